using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Flipkart.RealDaprTests;

/// <summary>The system scenarios through the gateway, as on the embedded sidecar, but with daprd and real stores.</summary>
public abstract class Scenarios(RealDaprFixture fixture)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_through_the_gateway_returns_ranked_products_with_facets()
    {
        var run = fixture.RequireRun();
        using var gateway = new HttpClient { BaseAddress = run.GatewayUrl };

        var page = await GetJsonAsync(gateway, "api/catalog/products?q=samsung%20phone&sort=price_asc");

        var prices = page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("price").GetDecimal()).ToList();
        Assert.NotEmpty(prices);
        Assert.Equal(prices.Order(), prices);
        Assert.True(page.GetProperty("facets").GetProperty("brands").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_checkout_reaches_Confirmed_with_one_charge_and_stock_conserved()
    {
        var run = fixture.RequireRun();
        using var gateway = new HttpClient { BaseAddress = run.GatewayUrl };
        var productId = (await GetJsonAsync(gateway, "api/catalog/products?q=phone&pageSize=1")).GetProperty("items")[0].GetProperty("id").GetString()!;
        // The dev-token endpoint never issues admin: the administrator's token is signed with the profile's key.
        using var admin = new HttpClient { BaseAddress = run.GatewayUrl };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Flipkart.Testing.DevSigningKeyTokens.Create(RealDaprFixture.RepositoryRoot, fixture.Profile, $"admin-{Guid.NewGuid():N}", "admin"));
        using var buyer = await SignedInAsync(run.GatewayUrl, $"buyer-{Guid.NewGuid():N}", "customer");

        (await admin.PutAsJsonAsync($"api/inventory/{productId}", new { available = 10 }, Cancellation)).EnsureSuccessStatusCode();
        (await buyer.PutAsJsonAsync($"api/cart/items/{productId}", new { quantity = 2 }, Cancellation)).EnsureSuccessStatusCode();
        using var place = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
        place.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var placed = await buyer.SendAsync(place, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("orderId").GetString();

        // The saga's outcome: the status moves on to Packed, Shipped… as soon as fulfilment has the order.
        var outcome = "Pending";
        for (var deadline = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < deadline && outcome == "Pending";)
        {
            await Task.Delay(500, Cancellation);
            outcome = (await GetJsonAsync(buyer, $"api/orders/{orderId}")).GetProperty("outcome").GetString();
        }
        Assert.Equal("Confirmed", outcome);

        var stock = await GetJsonAsync(admin, $"api/inventory/{productId}");
        Assert.Equal(10, stock.GetProperty("available").GetInt32() + stock.GetProperty("reserved").GetInt32() + stock.GetProperty("sold").GetInt32());
        var payments = await GetJsonAsync(admin, $"api/payments/orders/{orderId}");
        Assert.Single(payments.GetProperty("charges").EnumerateArray());
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<HttpClient> SignedInAsync(Uri gateway, string userId, string role)
    {
        using var anonymous = new HttpClient { BaseAddress = gateway };
        using var response = await anonymous.PostAsJsonAsync("api/auth/dev-token", new { userId, roles = new[] { role } }, Cancellation);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("accessToken").GetString();
        var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

[Collection(RealDaprCollection.Name)]
public sealed class LocalProfileScenarios(LocalProfile fixture) : Scenarios(fixture), IClassFixture<LocalProfile>;

[Collection(RealDaprCollection.Name)]
public sealed class RabbitMqMySqlProfileScenarios(RabbitMqMySqlProfile fixture) : Scenarios(fixture), IClassFixture<RabbitMqMySqlProfile>;

[Collection(RealDaprCollection.Name)]
public sealed class KafkaCassandraProfileScenarios(KafkaCassandraProfile fixture) : Scenarios(fixture), IClassFixture<KafkaCassandraProfile>;
