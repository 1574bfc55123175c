using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.Deployment.Tests.Starting;

namespace Flipkart.Deployment.Tests;

/// <summary>
/// A manifest counts only when the service starts with exactly its environment: every Deployment of the overlay runs
/// as a Production process with its rendered environment beside an embedded sidecar holding the overlay's Dapr
/// resources, must answer <c>/readyz</c> 200 and serve one real request that travels through it (via the gateway,
/// as a client would reach it). A crash-looping manifest fails here, without a cluster.
/// </summary>
public abstract class OverlayStartTests<TShop>(TShop shop) where TShop : OverlayShop
{
    private const string ProductId = "MOB000001";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected async Task StartsAndServes(string deployment)
    {
        Assert.True(shop.SetupFailure is null, shop.SetupFailure);
        var app = shop.App(deployment);
        Assert.True(app.Failure is null, $"{shop.Overlay}/{deployment}: {app.Failure}{Environment.NewLine}--- log ---{Environment.NewLine}{shop.Tail()}");
        Assert.Equal("Production", app.Environment["ASPNETCORE_ENVIRONMENT"]);

        var ct = TestContext.Current.CancellationToken;
        using var direct = new HttpClient { BaseAddress = app.Url, Timeout = TimeSpan.FromSeconds(30) };
        using (var ready = await direct.GetAsync("readyz", ct))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var gatewayApp = shop.App("gateway");
        Assert.True(gatewayApp.Failure is null, $"{deployment} is reached through the gateway, which did not start: {gatewayApp.Failure}");
        using var gateway = new HttpClient { BaseAddress = gatewayApp.Url, Timeout = TimeSpan.FromSeconds(30) };
        var customer = $"deploy-{Guid.NewGuid():N}";
        switch (deployment)
        {
            case "gateway":
                // A token of the configured identity provider is accepted: the gateway fetched its metadata and keys.
                using (var response = await SendAsync(gateway, HttpMethod.Get, "api/cart", Token(customer), null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                }
                Assert.True(shop.Identity.DiscoveryRequests > 0, "the gateway never asked the identity provider for its metadata");
                break;
            case "catalog":
                using (var response = await SendAsync(gateway, HttpMethod.Get, "api/catalog/products?pageSize=1", null, null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                    var page = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
                    Assert.NotEqual(0, page.GetProperty("items").GetArrayLength());
                }
                break;
            case "cart":
                using (var response = await SendAsync(gateway, HttpMethod.Put, $"api/cart/items/{ProductId}", Token(customer), new { quantity = 2 }, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                }
                break;
            case "inventory":
                using (var response = await SendAsync(gateway, HttpMethod.Put, $"api/inventory/{ProductId}", Token($"ops-{customer}", "admin"), new { available = 5 }, ct))
                {
                    Assert.True(response.IsSuccessStatusCode, $"restock: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
                using (var response = await SendAsync(gateway, HttpMethod.Get, $"api/inventory/{ProductId}/availability", null, null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                }
                break;
            case "ordering":
                using (var response = await SendAsync(gateway, HttpMethod.Get, "api/orders", Token(customer), null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                }
                break;
            case "payment":
                // Payment reads its store and answers for itself (not the gateway's 502/503 for an unreachable app).
                using (var response = await SendAsync(gateway, HttpMethod.Get, $"api/payments/orders/{Guid.NewGuid()}", Token($"ops-{customer}", "admin"), null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.NotFound, response, deployment, ct);
                    Assert.Equal("No payment", (await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct)).GetProperty("title").GetString());
                }
                break;
            case "notification":
                using (var response = await SendAsync(gateway, HttpMethod.Get, "api/notifications", Token(customer), null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                }
                break;
            case "fulfilment":
                // Fulfilment reads its own store and answers for itself: no parcel for a new order id.
                using (var response = await SendAsync(gateway, HttpMethod.Get, $"api/fulfilment/shipments/{Guid.NewGuid()}", Token(customer), null, ct))
                {
                    await AssertStatusAsync(HttpStatusCode.NotFound, response, deployment, ct);
                    Assert.Equal("Shipment not found", (await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct)).GetProperty("title").GetString());
                }
                break;
            case "storefront":
                // The home page is rendered from the gateway's catalog: the storefront reached it at its Service address.
                using (var response = await direct.GetAsync("/", ct))
                {
                    await AssertStatusAsync(HttpStatusCode.OK, response, deployment, ct);
                    Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
                }
                break;
            default:
                Assert.Fail($"No request is defined for deployment {deployment}: add one here when adding a Deployment.");
                break;
        }
    }

    private string Token(string userId, string role = "customer") => shop.Identity.Token(userId, [role]);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token, object? body, CancellationToken ct)
    {
        // Right after start the sidecars may still be discovering their apps: a 503 from the gateway is retried briefly.
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }
            var response = await client.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 20)
            {
                return response;
            }
            response.Dispose();
            await Task.Delay(500, ct);
        }
    }

    private async Task AssertStatusAsync(HttpStatusCode expected, HttpResponseMessage response, string deployment, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            Assert.Fail($"{shop.Overlay}/{deployment}: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} " +
                $"{await response.Content.ReadAsStringAsync(ct)}{Environment.NewLine}--- log ---{Environment.NewLine}{shop.Tail()}");
        }
    }
}

[Collection(OverlayStartCollection.Name)]
[Trait("Category", "System")]
public sealed class AksOverlayStartTests(AksShop shop) : OverlayStartTests<AksShop>(shop), IClassFixture<AksShop>
{
    public static TheoryData<string> Deployments => OverlayShop.Deployments("aks");

    [Theory]
    [MemberData(nameof(Deployments))]
    public Task Every_deployment_starts_with_its_manifest_environment_and_serves_a_request(string deployment) => StartsAndServes(deployment);
}

[Collection(OverlayStartCollection.Name)]
[Trait("Category", "System")]
public sealed class EksOverlayStartTests(EksShop shop) : OverlayStartTests<EksShop>(shop), IClassFixture<EksShop>
{
    public static TheoryData<string> Deployments => OverlayShop.Deployments("eks");

    [Theory]
    [MemberData(nameof(Deployments))]
    public Task Every_deployment_starts_with_its_manifest_environment_and_serves_a_request(string deployment) => StartsAndServes(deployment);
}
