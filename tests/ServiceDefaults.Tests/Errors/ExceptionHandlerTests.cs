using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr;
using Flipkart.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults.Tests.Errors;

/// <summary>The one exception handler every service shares: what each kind of failure is answered with.</summary>
[Functional]
public sealed class ExceptionHandlerTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private KitApp app = null!;

    private sealed class ParcelStuckException() : ConflictException("Parcel stuck", "The parcel left already.", "https://example.test/problems/stuck")
    {
    }

    public async ValueTask InitializeAsync() => app = await KitApp.StartAsync(web =>
    {
        web.MapGet("/invalid", () => Throw(new InvalidRequestException("Invalid parcel", "Weight must be positive.")));
        web.MapGet("/validation", () => Throw(new RequestValidationException("Invalid parcel", new Dictionary<string, string[]> { ["weight"] = ["Must be positive."] })));
        web.MapGet("/missing", () => Throw(new NotFoundException("Parcel not found", "No parcel p-1.")));
        web.MapGet("/conflict", () => Throw(new ParcelStuckException { RetryAfter = TimeSpan.FromSeconds(2) }));
        web.MapGet("/rule", () => Throw(new RuleViolationException("Parcel refused", "Too heavy.")));
        web.MapGet("/store-down", () => Throw(new DaprException("State operation failed", new RpcException(new Status(StatusCode.Unavailable, "connect to 10.0.0.7:6379 refused")))));
        web.MapGet("/dependency-down", () => Throw(new DependencyUnavailableException("cart at 10.1.2.3 answered 500")));
        web.MapGet("/contended", () => Throw(new ConcurrencyConflictException("'cart-u1' kept changing")));
        web.MapGet("/bug", () => Throw(new InvalidOperationException("secret internals")));
        web.MapGet("/own-503", () => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Warming up"));
    });

    public ValueTask DisposeAsync() => app.DisposeAsync();

    private static IResult Throw(Exception exception) => throw exception;

    private async Task<(HttpResponseMessage Response, JsonObject Problem, string Body)> GetAsync(string path)
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response, System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject(), body);
    }

    [Theory]
    [InlineData("/invalid", 400, "Invalid parcel", "Weight must be positive.")]
    [InlineData("/missing", 404, "Parcel not found", "No parcel p-1.")]
    [InlineData("/conflict", 409, "Parcel stuck", "The parcel left already.")]
    [InlineData("/rule", 422, "Parcel refused", "Too heavy.")]
    public async Task AProblemException_IsAnsweredWithItsStatusTitleAndDetail(string path, int status, string title, string detail)
    {
        var (response, problem, _) = await GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal((status, title, detail), ((int)problem["status"]!, (string)problem["title"]!, (string)problem["detail"]!));
    }

    [Fact]
    public async Task AProblemException_CarriesItsTypeAndRetryAfter()
    {
        var (response, problem, _) = await GetAsync("/conflict");

        Assert.Equal("https://example.test/problems/stuck", (string)problem["type"]!);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AValidationFailure_ListsTheFields()
    {
        var (response, problem, _) = await GetAsync("/validation");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Must be positive.", (string)problem["errors"]!["weight"]![0]!);
    }

    [Theory]
    [InlineData("/store-down")]
    [InlineData("/dependency-down")]
    [InlineData("/contended")]
    public async Task AnInfrastructureFailure_Is503WithRetryAfter_AndNoInternals(string path)
    {
        var (response, _, body) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to come back");
        Assert.DoesNotContain("10.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("cart-u1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADefect_Is500WithoutDetails_EvenInDevelopment()
    {
        var (response, _, body) = await GetAsync("/bug");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret internals", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A503AHandlerAnswersItself_GetsRetryAfter()
    {
        var (response, _, _) = await GetAsync("/own-503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }
}
