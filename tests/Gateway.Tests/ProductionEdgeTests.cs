using System.Net;
using System.Net.Http.Json;

namespace Flipkart.Gateway.Tests;

/// <summary>The gateway as it must run outside Development: a complete identity provider or no start, no dev tokens, no docs.</summary>
public class ProductionEdgeTests
{
    private static readonly Dictionary<string, string?> Provider = new()
    {
        ["environment"] = "Production",
        ["Auth:Authority"] = "https://login.example.com/tenant/v2.0",
        ["Auth:Issuer"] = "https://login.example.com/tenant/v2.0",
        ["Auth:Audience"] = "api://shop",
    };

    private static Dictionary<string, string?> Production(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>(Provider);
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task StartupNamesEveryMissingIdentityProviderSettingOutsideDevelopment()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, new Dictionary<string, string?> { ["environment"] = "Production" }, presetSigningKey: false);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Auth:Authority, Auth:Issuer, Auth:Audience are not set", error.Message);
    }

    [Fact]
    public async Task StartupNamesTheOneMissingSetting()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, Production(("Auth:Audience", null)), presetSigningKey: false);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.StartsWith("Auth:Audience is not set.", error.Message);
    }

    [Fact]
    public async Task DevTokensSwitchedOnOutsideDevelopmentStopTheStart()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, Production(("Auth:DevTokens:Enabled", "true")), presetSigningKey: false);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Auth:DevTokens:Enabled is true in the Production environment", error.Message);
    }

    [Fact]
    public async Task AnAuthorityThatIsNotHttpsStopsTheStart()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, Production(("Auth:Authority", "http://login.example.com/")), presetSigningKey: false);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("is not an https URL", error.Message);
    }

    [Theory]
    [InlineData("POST", "/api/auth/dev-token")]
    [InlineData("GET", "/docs")]
    [InlineData("GET", "/openapi/gateway.json")]
    [InlineData("GET", "/openapi/catalog.json")]
    public async Task ProductionServesNoDevTokensDocsOrOpenApi(string method, string path)
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, Production(), presetSigningKey: false);
        using var client = gateway.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { userId = "u-1" }) : null }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(sidecar.Requests);
    }

    [Fact]
    public async Task ApiDocsCanBeSwitchedOnInProduction()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, Production(("GatewayOptions:ApiDocs", "true")), presetSigningKey: false);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/openapi/gateway.json", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public class StreamCapTests
{
    [Fact]
    public async Task AnEleventhConcurrentStreamOfOneUserIsRefusedWith429WhileOthersStream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress);
        using var user = gateway.CreateClient(await gateway.DevTokenAsync("streamer"));
        using var other = gateway.CreateClient(await gateway.DevTokenAsync("someone-else"));
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                open.Add(await user.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/orders/o-{i}/events"), HttpCompletionOption.ResponseHeadersRead, ct));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }

            using var eleventh = await user.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/orders/o-10/events"), HttpCompletionOption.ResponseHeadersRead, ct);
            using var others = await other.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/orders/o-1/events"), HttpCompletionOption.ResponseHeadersRead, ct);

            Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
            Assert.Equal("application/problem+json", eleventh.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(eleventh.Headers.RetryAfter);
            Assert.Equal(HttpStatusCode.OK, others.StatusCode);
            Assert.Equal(11, sidecar.Requests.Count(r => r.Path.EndsWith("/events", StringComparison.Ordinal)));
        }
        finally
        {
            sidecar.EndStreams();
            open.ForEach(r => r.Dispose());
        }
    }
}

public class InternalEndpointTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task TheCatalogBatchEndpointIsNotPublic()
    {
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-batch"));
        var before = fixture.Sidecar.Requests.Count;

        using var response = await client.PostAsJsonAsync("/api/catalog/products/batch", new { ids = new[] { "MOB000001" } }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, fixture.Sidecar.Requests.Count);
    }
}
