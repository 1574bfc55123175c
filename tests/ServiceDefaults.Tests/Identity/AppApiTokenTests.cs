using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults.Tests.Identity;

/// <summary>With <c>APP_API_TOKEN</c> set, only calls that present exactly that token as <c>dapr-api-token</c> reach the app; probes stay open.</summary>
public sealed class AppApiTokenTests
{
    private const string Token = "s3cret-app-token";

    private const string Header = "dapr-api-token";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<KitApp> StartAsync() => KitApp.StartAsync(
        app => app.MapGet("/api/ping", () => "pong"),
        settings: new Dictionary<string, string?> { ["APP_API_TOKEN"] = Token });

    public static TheoryData<string[]> Refused => new()
    {
        Array.Empty<string>(),                  // no header
        new[] { "" },
        new[] { "s3cret-app-tokem" },           // same length, last byte wrong
        new[] { "S3cret-app-token" },           // same length, first byte wrong
        new[] { Token + "x" },
        new[] { Token, Token },                 // two values are not the one token
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ARequestWithoutExactlyTheToken_Gets401Problem(string[] presented)
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        if (presented.Length > 0)
        {
            request.Headers.TryAddWithoutValidation(Header, presented);
        }

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheSidecarsToken_IsLetThrough_AndProbesNeedNone()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        request.Headers.TryAddWithoutValidation(Header, Token);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
    }
}
