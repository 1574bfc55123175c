using System.Net;
using System.Net.Http.Json;
using Flipkart.Gateway.Apis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Flipkart.Gateway.Tests;

public class AuthenticationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/api/cart")]
    [InlineData("POST", "/api/cart/items")]
    [InlineData("GET", "/api/orders")]
    [InlineData("GET", "/api/orders/o-1/events")]
    [InlineData("GET", "/api/inventory/skus/MOB000001")]
    [InlineData("GET", "/api/inventory/MOB000001")]
    [InlineData("PUT", "/api/inventory/MOB000001/availability")]
    [InlineData("GET", "/api/notifications")]
    [InlineData("GET", "/api/payments/p-1")]
    [InlineData("PUT", "/api/catalog/products/MOB000001")]
    public async Task EverythingButCatalogReadsNeedsAToken(string method, string path)
    {
        using var client = fixture.Gateway.CreateClient();
        var before = fixture.Sidecar.Requests.Count;

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : JsonContent.Create(new { }) }, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(ct);
        Assert.Equal(401, problem!.Status);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(before, fixture.Sidecar.Requests.Count);
    }

    [Fact]
    public void NoKeyRing_IsBuiltAtStart()
    {
        // JWT bearer signs nothing; the data protection that AddAuthentication and YARP bring would build a key ring
        // (and load System.Xml) when the gateway starts.
        Assert.DoesNotContain(fixture.Gateway.Services.GetServices<IHostedService>(),
            service => service.GetType().Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task CatalogReadsNeedNoToken()
    {
        using var client = fixture.Gateway.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/catalog/products?q=phone", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/catalog/categories", ct)).StatusCode);
    }

    [Fact]
    public async Task DevTokenIsAnHs256TokenForTheUserAndRolesLastingAnHour()
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-7", roles = new[] { "customer" } }, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issued = (await response.Content.ReadFromJsonAsync<DevToken>(ct))!;
        var jwt = new JsonWebToken(issued.AccessToken);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("u-7", jwt.Subject);
        Assert.Equal(["customer"], jwt.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal(GatewayFactory.Issuer, jwt.Issuer);
        Assert.Equal([GatewayFactory.Audience], jwt.Audiences);
        Assert.Equal("Bearer", issued.TokenType);
        Assert.Equal(3600, issued.ExpiresIn);
        Assert.InRange(jwt.ValidTo - jwt.ValidFrom, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("customer", "admin")]
    public async Task DevTokensNeverCarryTheAdminRole(params string[] roles)
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-7", roles }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("admin is never issued as a dev token", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task DevTokenDefaultsToTheCustomerRole()
    {
        using var client = fixture.Gateway.CreateClient();

        var issued = await (await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-8" }, ct)).Content.ReadFromJsonAsync<DevToken>(ct);

        Assert.Equal(["customer"], new JsonWebToken(issued!.AccessToken).Claims.Where(c => c.Type == "role").Select(c => c.Value));
    }

    [Theory]
    [InlineData("{\"userId\":\"u-1\",\"roles\":[\"superuser\"]}")]
    [InlineData("{\"userId\":\"\",\"roles\":[\"customer\"]}")]
    [InlineData("{\"userId\":\"bad id with spaces\"}")]
    [InlineData("{\"userId\":\"u-1\",\"roles\":[]}")]
    [InlineData("{\"userId\":\"u-1\",\"isAdmin\":true}")]
    [InlineData("not json")]
    public async Task DevTokenRejectsBadRequestsWith400(string body)
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.PostAsync("/api/auth/dev-token", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AValidTokenIsAccepted()
    {
        using var client = fixture.Gateway.CreateClient(GatewayFactory.MintToken());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/cart", ct)).StatusCode);
    }

    public static TheoryData<string, string> RejectedTokens() => new()
    {
        { "tampered payload", Tamper(GatewayFactory.MintToken("u-1", ["customer"])) },
        { "expired", GatewayFactory.MintToken(expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "not yet valid", GatewayFactory.MintToken(notBefore: DateTime.UtcNow.AddMinutes(10), expires: DateTime.UtcNow.AddHours(1)) },
        { "alg none", GatewayFactory.MintUnsignedToken() },
        { "other key", GatewayFactory.MintToken(key: "some-other-signing-key-0123456789-abcdefgh") },
        { "other issuer", GatewayFactory.MintToken(issuer: "evil-issuer") },
        { "other audience", GatewayFactory.MintToken(audience: "another-api") },
        { "garbage", "not.a.jwt" },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task InvalidTokensAreRejectedWith401(string why, string token)
    {
        using var client = fixture.Gateway.CreateClient(token);

        var response = await client.GetAsync("/api/cart", ct);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, why);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    // Swap the payload for one claiming admin while keeping the original signature.
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var forged = GatewayFactory.MintToken("u-1", ["admin"]).Split('.')[1];
        return $"{parts[0]}.{forged}.{parts[2]}";
    }
}

public class DevTokensDisabledTests
{
    [Fact]
    public async Task DevTokenEndpointIsAbsentWhenDevTokensAreOff()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, new Dictionary<string, string?>
        {
            ["Auth:DevTokens:Enabled"] = "false",
            ["Auth:Authority"] = "https://login.example.com/",
            ["Auth:Issuer"] = "https://login.example.com/",
            ["Auth:Audience"] = "api://shop",
        }, presetSigningKey: false);
        using var client = gateway.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-1" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

public class ExternalAuthorityTests
{
    [Fact]
    public async Task StartupFailsWhenDevTokensAreOffAndNoAuthorityIsConfigured()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, new Dictionary<string, string?> { ["Auth:DevTokens:Enabled"] = "false" }, presetSigningKey: false);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Auth:Authority", error.ToString());
    }
}
