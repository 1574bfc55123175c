using System.Net;
using System.Net.Http.Json;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flipkart.ServiceDefaults.Tests.Identity;

/// <summary>The Gateway-stamped caller headers as the request's principal, and the policies on route groups.</summary>
[Functional]
public sealed class CallerAuthenticationTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private KitApp app = null!;

    public async ValueTask InitializeAsync() => app = await KitApp.StartAsync(web =>
    {
        web.MapGet("/open", () => "anyone");
        web.MapGet("/mine", (CallerIdentity caller) => new { caller.UserId, Roles = caller.Roles.Order().ToArray(), caller.IsAdmin }).RequireAuthorization();
        web.MapGroup("/ops").RequireAuthorization(CallerAuthentication.AdminPolicy).MapGet("/", (CallerIdentity caller) => caller.UserId);
    });

    public ValueTask DisposeAsync() => app.DisposeAsync();

    private async Task<HttpResponseMessage> GetAsync(string path, string? userId = null, params string[] roles)
    {
        using var client = app.CreateClient().As(userId, roles);
        return await client.GetAsync(path, Ct);
    }

    public sealed record Mine(string UserId, string[] Roles, bool IsAdmin);

    [Fact]
    public async Task ASignedInCaller_IsBoundFromTheHeaders()
    {
        using var response = await GetAsync("/mine", "asha", "customer", "admin");
        var mine = (await response.Content.ReadFromJsonAsync<Mine>(Ct))!;

        Assert.Equal(("asha", true), (mine.UserId, mine.IsAdmin));
        Assert.Equal(["admin", "customer"], mine.Roles);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task AnAnonymousCaller_Gets401Problem_BeforeAnyHandlerRuns(string? userId)
    {
        using var response = await GetAsync("/mine", userId);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnOverlongUserId_IsNoIdentity()
    {
        using var response = await GetAsync("/mine", new string('u', 129));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("customer", HttpStatusCode.Forbidden)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task TheAdminPolicy_AdmitsAdminsOnly(string? role, HttpStatusCode expected)
    {
        using var response = await GetAsync("/ops", role is null ? null : "ops-1", role is null ? [] : [role]);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task AnOpenEndpoint_StaysOpen()
    {
        using var response = await GetAsync("/open");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void NoKeyRing_IsBuiltAtStart()
    {
        // AddAuthentication()'s data protection would create keys on disk (or ephemeral ones, with a warning, where the
        // home directory cannot be written) when the host starts, and load System.Xml for them: ~10 MB of each service.
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), service => service.GetType().Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true);
    }
}
