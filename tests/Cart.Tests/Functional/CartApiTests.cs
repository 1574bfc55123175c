using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Flipkart.Cart.Apis;
using Flipkart.Cart.Infrastructure;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Cart.Tests.Functional;

[Functional]
public class CartApiTests(CartApiFixture fixture) : IClassFixture<CartApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string NewProduct(decimal price = 499m)
    {
        var id = "p-" + Guid.NewGuid().ToString("N")[..12];
        fixture.Products[id] = ($"Product {id}", price, price + 100m);
        return id;
    }

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task PutItem_SnapshotsTitleAndPriceFromCatalog()
    {
        var product = NewProduct(1299m);
        using var client = fixture.CreateClient(NewUser());

        var response = await client.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity = 2 }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cart = await response.Content.ReadFromJsonAsync<CartResponse>(Ct);
        var line = Assert.Single(cart!.Lines);
        Assert.Equal((product, $"Product {product}", 1299m, 1399m, 2, 2598m), (line.ProductId, line.Title, line.UnitPrice, line.Mrp, line.Quantity, line.LineTotal));
        Assert.Equal(2598m, cart.Total);
    }

    [Fact]
    public async Task PutItem_Returns400_WhenBodyCarriesAPrice()
    {
        var product = NewProduct();
        using var client = fixture.CreateClient(NewUser());

        using var body = new StringContent("""{"quantity":1,"price":1}""", Encoding.UTF8, "application/json");
        var response = await client.PutAsync($"/api/cart/items/{product}", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task PutItem_Returns400_WhenQuantityOutOfRange(int quantity)
    {
        var product = NewProduct();
        using var client = fixture.CreateClient(NewUser());

        var response = await client.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PutItem_Returns404Problem_WhenCatalogDoesNotKnowProduct()
    {
        using var client = fixture.CreateClient(NewUser());

        var response = await client.PutAsJsonAsync("/api/cart/items/no-such-product", new { quantity = 1 }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetCart_Returns401_WhenAnonymous()
    {
        using var client = fixture.CreateClient(null);
        var response = await client.GetAsync("/api/cart", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Carts_AreIsolatedBetweenUsers()
    {
        var product = NewProduct();
        using var alice = fixture.CreateClient(NewUser());
        using var bob = fixture.CreateClient(NewUser());
        (await alice.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity = 3 }, Ct)).EnsureSuccessStatusCode();

        var bobsCart = await bob.GetFromJsonAsync<CartResponse>("/api/cart", Ct);
        Assert.Empty(bobsCart!.Lines);
        (await bob.DeleteAsync($"/api/cart/items/{product}", Ct)).EnsureSuccessStatusCode();
        (await bob.DeleteAsync("/api/cart", Ct)).EnsureSuccessStatusCode();

        var alicesCart = await alice.GetFromJsonAsync<CartResponse>("/api/cart", Ct);
        Assert.Equal(3, Assert.Single(alicesCart!.Lines).Quantity);
    }

    [Fact]
    public async Task DeleteItemAndClear_EmptyTheCart()
    {
        var first = NewProduct();
        var second = NewProduct();
        using var client = fixture.CreateClient(NewUser());
        (await client.PutAsJsonAsync($"/api/cart/items/{first}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync($"/api/cart/items/{second}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/cart/items/{first}", Ct)).StatusCode);
        Assert.Equal(second, Assert.Single((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines).ProductId);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/cart", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines);
    }

    [Fact]
    public async Task SavedCart_CarriesThirtyDayTtl()
    {
        var user = NewUser();
        using var client = fixture.CreateClient(user);
        (await client.PutAsJsonAsync($"/api/cart/items/{NewProduct()}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();

        var store = fixture.Cluster.StateStores["cart-store"];
        var item = store.Get(store.ToStoreKey(CartStore.Key(user), "cart"));
        Assert.True(item.Found);
        Assert.NotNull(item.ExpiresAt);
        Assert.InRange(item.ExpiresAt.Value - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30.1));
    }

    [Fact]
    public async Task ConcurrentChanges_AreAllKept()
    {
        var products = Enumerable.Range(0, 4).Select(_ => NewProduct()).ToList();
        using var client = fixture.CreateClient(NewUser());

        var responses = await Task.WhenAll(products.Select(p => client.PutAsJsonAsync($"/api/cart/items/{p}", new { quantity = 1 }, Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var cart = await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct);
        Assert.Equal(products.Order(), cart!.Lines.Select(l => l.ProductId).Order());
    }

    [Fact]
    public async Task OrderConfirmed_RemovesBoughtLinesOnce_EvenWhenDeliveredTwice()
    {
        var user = NewUser();
        var bought = NewProduct();
        var kept = NewProduct();
        using var client = fixture.CreateClient(user);
        (await client.PutAsJsonAsync($"/api/cart/items/{bought}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync($"/api/cart/items/{kept}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();

        var orderId = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.OK, (await DeliverOrderConfirmed(client, orderId, user, bought)).StatusCode);
        Assert.Equal(kept, Assert.Single((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines).ProductId);

        // Re-added after checkout, then the same event again: the new line stays.
        (await client.PutAsJsonAsync($"/api/cart/items/{bought}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await DeliverOrderConfirmed(client, orderId, user, bought)).StatusCode);
        Assert.Equal(2, (await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines.Count);
    }

    [Fact]
    public async Task OrderConfirmed_ForABuyNowOrder_LeavesTheCartAlone()
    {
        var user = NewUser();
        var product = NewProduct();
        using var client = fixture.CreateClient(user);
        (await client.PutAsJsonAsync($"/api/cart/items/{product}", new { quantity = 2 }, Ct)).EnsureSuccessStatusCode();

        // The same product bought with buy-now: the cart line is a separate intention and must survive.
        Assert.Equal(HttpStatusCode.OK, (await DeliverOrderConfirmed(client, Guid.NewGuid(), user, product, checkout: "buy-now")).StatusCode);
        var line = Assert.Single((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines);
        Assert.Equal((product, 2), (line.ProductId, line.Quantity));

        // An explicit "cart" checkout still empties the line.
        Assert.Equal(HttpStatusCode.OK, (await DeliverOrderConfirmed(client, Guid.NewGuid(), user, product, checkout: "cart")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines);
    }

    [Fact]
    public async Task OrderConfirmedPublishedOnOrdersTopic_ReachesTheCart()
    {
        var user = NewUser();
        var bought = NewProduct();
        using var client = fixture.CreateClient(user);
        (await client.PutAsJsonAsync($"/api/cart/items/{bought}", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();

        using var dapr = fixture.StubSidecar(AppIds.Ordering).CreateDaprClient();
        await dapr.PublishEventAsync("pubsub", "orders",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = Guid.NewGuid(), userId = user, total = 499m, lines = new[] { new { productId = bought, quantity = 1 } } },
            new Dictionary<string, string> { ["cloudevent.type"] = "OrderConfirmed" }, Ct);
        Assert.True(await Flipkart.EmbeddedDapr.PubSub.PubSubModule.Broker(fixture.Cluster).WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.Empty((await client.GetFromJsonAsync<CartResponse>("/api/cart", Ct))!.Lines);
    }

    [Fact]
    public async Task Subscriptions_RouteOrderConfirmedByCloudEventType()
    {
        using var client = fixture.CreateClient(null);
        using var subscriptions = JsonDocument.Parse(await client.GetStringAsync("/dapr/subscribe", Ct));

        var orders = Assert.Single(subscriptions.RootElement.EnumerateArray(), s => s.GetProperty("topic").GetString() == "orders");
        Assert.Equal("pubsub", orders.GetProperty("pubsubName").GetString());
        var rule = Assert.Single(orders.GetProperty("routes").GetProperty("rules").EnumerateArray());
        Assert.Equal("event.type == \"OrderConfirmed\"", rule.GetProperty("match").GetString());
        Assert.Equal("integration-events/order-confirmed", rule.GetProperty("path").GetString());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCartApi()
    {
        using var client = fixture.CreateClient(null);
        var document = await client.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains("/api/cart/items/{productId}", document);
    }

    // Posts the CloudEvent daprd would deliver to the subscription route.
    private static Task<HttpResponseMessage> DeliverOrderConfirmed(HttpClient client, Guid orderId, string userId, string productId, string? checkout = null)
    {
        var envelope = new
        {
            id = Guid.NewGuid().ToString(),
            source = "ordering",
            type = "OrderConfirmed",
            specversion = "1.0",
            datacontenttype = "application/json",
            topic = "orders",
            pubsubname = "pubsub",
            data = new
            {
                eventId = Guid.NewGuid(),
                occurredAt = DateTimeOffset.UtcNow,
                orderId,
                userId,
                total = 499m,
                lines = new[] { new { productId, quantity = 1 } },
            },
        };
        var json = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(envelope))!;
        if (checkout is not null)
        {
            json["data"]!["checkout"] = checkout;
        }
        var content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/cloudevents+json");
        return client.PostAsync("/integration-events/order-confirmed", content, Ct);
    }
}
