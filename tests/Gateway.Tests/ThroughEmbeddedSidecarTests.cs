using System.Net;
using System.Net.Http.Json;
using System.Text;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Gateway.Apis;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Tests;

/// <summary>
/// The whole path with real Dapr semantics: client → gateway → the gateway's embedded sidecar → the
/// `catalog` app-id's sidecar → a tiny Kestrel app registered as `catalog`. The signing key is read from a
/// `secretstores.local.file` secret store by the gateway's own start-up code.
/// </summary>
public sealed class ThroughEmbeddedSidecarTests : IAsyncLifetime
{
    private const string SigningKey = "embedded-sidecar-signing-key-0123456789-xyz";
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;
    private readonly string secretsFile = Path.Combine(Path.GetTempPath(), $"gateway-tests-secrets-{Guid.NewGuid():N}.json");
    private EmbeddedDaprCluster cluster = null!;
    private RecordingSidecar catalogApp = null!;
    private GatewayFactory gateway = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(secretsFile, $"{{\"jwt-signing-key\":\"{SigningKey}\"}}", ct);
        cluster = await EmbeddedDaprCluster.StartAsync($$"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: secretstore
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {{secretsFile}}
            """);

        // A stand-in `catalog` app on a dynamic loopback port, with its own sidecar.
        catalogApp = await RecordingSidecar.StartAsync();
        await cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog", AppPort = catalogApp.BaseAddress.Port }, ct);
        // The same stand-in answers order-event streams as `notification`.
        await cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification", AppPort = catalogApp.BaseAddress.Port }, ct);

        var gatewaySidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "gateway" }, ct);
        gateway = new GatewayFactory(gatewaySidecar.HttpEndpoint, gatewaySidecar.AppConfiguration.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), presetSigningKey: false);

        using var client = gateway.CreateClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        while ((await client.GetAsync("/readyz", timeout.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        catalogApp.EndStreams();
        await gateway.DisposeAsync();
        await cluster.DisposeAsync();
        await catalogApp.DisposeAsync();
        File.Delete(secretsFile);
    }

    [Fact]
    public async Task DevTokensAreSignedWithTheKeyFromTheDaprSecretStore()
    {
        using var client = gateway.CreateClient();

        var issued = await (await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-9", roles = new[] { "customer" } }, ct))
            .Content.ReadFromJsonAsync<DevToken>(ct);

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(issued!.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = GatewayFactory.Issuer,
            ValidAudience = GatewayFactory.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Fact]
    public async Task RequestsReachTheAppThroughDaprInvocationWithTheCallersIdentityStamped()
    {
        using var client = gateway.CreateClient();
        // An administrator signed with the key the gateway loaded from the secret store (dev tokens never carry admin).
        var token = GatewayFactory.MintToken("u-10", ["admin"], key: SigningKey);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/catalog/products/MOB000001?x=1") { Content = JsonContent.Create(new { title = "t" }) };
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("X-User-Id", "victim");

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = catalogApp.Single("/api/catalog/products/MOB000001");
        Assert.Equal("PUT", received.Method);
        Assert.Equal("/api/catalog/products/MOB000001?x=1", received.Path);
        Assert.Equal("u-10", received.Header("X-User-Id"));
        Assert.Equal("admin", received.Header("X-User-Roles"));
        Assert.Equal("gateway", received.Header("dapr-caller-app-id"));
        Assert.Null(received.Header("Authorization"));
    }

    [Fact]
    public async Task AnonymousCatalogReadsReachTheAppWithoutAnIdentity()
    {
        using var client = gateway.CreateClient();

        var response = await client.GetAsync("/api/catalog/products?q=samsung%20phone", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = catalogApp.Single("/api/catalog/products?q=samsung%20phone");
        Assert.Null(received.Header("X-User-Id"));
    }

    [Fact]
    public async Task TheSidecarsOwnApiStaysUnreachable()
    {
        using var client = gateway.CreateClient();

        var response = await client.GetAsync("/v1.0/secrets/secretstore/jwt-signing-key", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(SigningKey, await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task AnUnreachableServiceIsA503ProblemWithoutDaprInternals()
    {
        using var client = gateway.CreateClient();
        var token = (await (await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-11" }, ct)).Content.ReadFromJsonAsync<DevToken>(ct))!.AccessToken;
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        // No `cart` app runs in this cluster.
        var response = await client.GetAsync("/api/cart", ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.DoesNotContain("ERR_DIRECT_INVOKE", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task OrderEventStreamsFlowThroughBothSidecarsUnbuffered()
    {
        using var client = gateway.CreateClient();
        var token = (await (await client.PostAsJsonAsync("/api/auth/dev-token", new { userId = "u-12" }, ct)).Content.ReadFromJsonAsync<DevToken>(ct))!.AccessToken;
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        using var response = await client.GetAsync("/api/orders/o-7/events", HttpCompletionOption.ResponseHeadersRead, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var first = await reader.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct);

        // The stand-in holds the stream open, so the event can only have arrived unbuffered.
        Assert.Equal("event: OrderConfirmed", first);
        Assert.Equal("u-12", catalogApp.Single("/api/orders/o-7/events").Header("X-User-Id"));
    }
}
