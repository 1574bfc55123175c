using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Flipkart.Inventory.Apis;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;

using Flipkart.Testing;

namespace Inventory.Tests.Functional;

[Functional]
public sealed class StateStoreLedgerInventoryApiTests(StateStoreLedgerFixture fixture) : InventoryApiTests<StateStoreLedgerFixture>(fixture), IClassFixture<StateStoreLedgerFixture>;

[Functional]
public sealed class ActorLedgerInventoryApiTests(ActorLedgerFixture fixture) : InventoryApiTests<ActorLedgerFixture>(fixture), IClassFixture<ActorLedgerFixture>;

/// <summary>Split over four stock buckets, a product behaves exactly as a whole one through every API and event.</summary>
[Functional]
public sealed class BucketedActorLedgerInventoryApiTests(BucketedActorLedgerFixture fixture) : InventoryApiTests<BucketedActorLedgerFixture>(fixture), IClassFixture<BucketedActorLedgerFixture>;

[Functional]
public sealed class BucketedStateStoreLedgerInventoryApiTests(BucketedStateStoreLedgerFixture fixture) : InventoryApiTests<BucketedStateStoreLedgerFixture>(fixture), IClassFixture<BucketedStateStoreLedgerFixture>;

/// <summary>The same behaviour through either ledger design.</summary>
[Functional]
public abstract class InventoryApiTests<TFixture>(TFixture fixture) where TFixture : InventoryApiFixture
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewProduct() => "sku-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string> Stocked(int available)
    {
        var product = NewProduct();
        using var admin = fixture.Admin();
        await Succeeded(await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available }, Ct));
        return product;
    }

    private async Task<StockResponse> Stock(string product)
    {
        using var admin = fixture.Admin();
        return (await admin.GetFromJsonAsync<StockResponse>($"/api/inventory/{product}", Ct))!;
    }

    [Fact]
    public async Task SetStock_ThenGetStock_ReportsTheLedger()
    {
        var product = await Stocked(7);

        Assert.Equal(new StockResponse(product, 7, 0, 0), await Stock(product));
    }

    [Fact]
    public async Task StockEndpoints_Answer401ForAnonymous_And403ForCustomers()
    {
        using var anonymous = fixture.Client(null);
        using var customer = fixture.Client("user-1", CallerIdentity.CustomerRole);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/inventory/x", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/api/inventory/x", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.PutAsJsonAsync("/api/inventory/x", new { available = 1 }, Ct)).StatusCode);
    }

    [Fact]
    public async Task GetStock_Returns404_ForProductWithoutStock()
    {
        using var admin = fixture.Admin();
        var response = await admin.GetAsync($"/api/inventory/{NewProduct()}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("""{"available":-1}""")]
    [InlineData("""{"available":5,"reserved":0}""")]
    public async Task SetStock_Returns400_ForInvalidBodies(string body)
    {
        using var admin = fixture.Admin();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var response = await admin.PutAsync($"/api/inventory/{NewProduct()}", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task OrderSubmittedOnPubSub_ReservesAndPublishesStockReserved()
    {
        var product = await Stocked(5);
        var orderId = Guid.NewGuid();

        using var dapr = fixture.Peer.CreateDaprClient();
        await dapr.PublishEventAsync(DaprComponents.PubSub, Topics.Orders, OrderSubmitted(orderId, (product, 2)),
            new Dictionary<string, string> { ["cloudevent.type"] = "OrderSubmitted" }, Ct);
        await fixture.WaitForOutcomesAsync([orderId], 1);

        var reserved = Assert.Single(fixture.Events("StockReserved", [orderId]));
        Assert.Equal("user-1", (string?)reserved["data"]!["userId"]);
        Assert.Equal(998m, (decimal)reserved["data"]!["amount"]!);
        Assert.Equal(new StockResponse(product, 3, 2, 0), await Stock(product));
    }

    private static object HoldRequest(string product, int quantity) =>
        new { userId = "user-1", total = quantity * 499m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10), lines = new[] { new { productId = product, quantity } } };

    [Fact]
    public async Task Hold_ReservesOnce_AndTheSubmittedOrderAnnouncesIt()
    {
        var product = await Stocked(3);   // one unit per hold: a line is held whole in one bucket when the stock is split
        var orderId = Guid.NewGuid();
        using var client = fixture.Client(null);

        // Ordering's retry of the same hold (its first answer lost) holds nothing more.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await client.PostAsJsonAsync($"/internal/reservations/{orderId}", HoldRequest(product, 1), Ct);
            var answer = await Succeeded<HoldAnswer>(response);
            Assert.Equal((orderId, ReservationStatus.Reserved, (string?)null), (answer.OrderId, answer.Status, answer.Reason));
        }
        Assert.Equal(new StockResponse(product, 2, 1, 0), await Stock(product));

        // The hold publishes nothing; the committed order's OrderSubmitted announces it, once, and reserves nothing more.
        (await Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (product, 1)))).EnsureSuccessStatusCode();
        await fixture.WaitForOutcomesAsync([orderId], 1);
        Assert.Single(fixture.Events("StockReserved", [orderId]));
        Assert.Equal(new StockResponse(product, 2, 1, 0), await Stock(product));
    }

    [Fact]
    public async Task Hold_AnswersFailed_WhenStockIsShort_AndHoldsNothing()
    {
        var product = await Stocked(1);
        using var client = fixture.Client(null);

        using var response = await client.PostAsJsonAsync($"/internal/reservations/{Guid.NewGuid()}", HoldRequest(product, 2), Ct);

        var answer = await Succeeded<HoldAnswer>(response);
        Assert.Equal((ReservationStatus.Failed, ReservationCoordinator.OutOfStockReason, product), (answer.Status, answer.Reason, answer.ProductId));
        Assert.Equal(new StockResponse(product, 1, 0, 0), await Stock(product));
    }

    [Theory]
    [InlineData("""{"userId":"user-1","total":1,"expiresAt":"2030-01-01T00:00:00Z","lines":[]}""")]
    [InlineData("""{"total":1,"expiresAt":"2030-01-01T00:00:00Z","lines":[{"productId":"p-1","quantity":1}]}""")]
    [InlineData("""{"userId":"user-1","total":1,"expiresAt":"2030-01-01T00:00:00Z","lines":[{"productId":"p-1","quantity":0}]}""")]
    public async Task Hold_Answers4xx_ForAnUnusableHold(string body)
    {
        using var client = fixture.Client(null);

        using var response = await client.PostAsync($"/internal/reservations/{Guid.NewGuid()}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"answered {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task FiftyConcurrentBuyers_ForLastFiveUnits_ExactlyFiveReserve()
    {
        var product = await Stocked(5);
        var orders = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();
        using var client = fixture.Client(null);

        var responses = await Task.WhenAll(orders.Select(orderId => Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (product, 1)))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await fixture.WaitForOutcomesAsync(orders, 50);

        Assert.Equal(5, fixture.Events("StockReserved", orders).Count);
        Assert.Equal(45, fixture.Events("StockReservationFailed", orders).Count);
        var stock = await Stock(product);
        Assert.Equal(new StockResponse(product, 0, 5, 0), stock);
        Assert.Equal(5, stock.Available + stock.Reserved + stock.Sold);
    }

    [Fact]
    public async Task MultiLineOrder_HoldsNothing_WhenAnyLineIsShort()
    {
        var plenty = await Stocked(10);
        var scarce = await Stocked(1);
        var orderId = Guid.NewGuid();
        using var client = fixture.Client(null);

        (await Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (plenty, 3), (scarce, 2)))).EnsureSuccessStatusCode();
        await fixture.WaitForOutcomesAsync([orderId], 1);

        var failed = Assert.Single(fixture.Events("StockReservationFailed", [orderId]));
        Assert.Equal(scarce, (string?)failed["data"]!["productId"]);
        Assert.Equal(new StockResponse(plenty, 10, 0, 0), await Stock(plenty));
        Assert.Equal(new StockResponse(scarce, 1, 0, 0), await Stock(scarce));
    }

    [Fact]
    public async Task UnknownProduct_FailsReservationWithReason()
    {
        var orderId = Guid.NewGuid();
        using var client = fixture.Client(null);

        (await Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (NewProduct(), 1)))).EnsureSuccessStatusCode();
        await fixture.WaitForOutcomesAsync([orderId], 1);

        Assert.Equal("unknown product", (string?)Assert.Single(fixture.Events("StockReservationFailed", [orderId]))["data"]!["reason"]);
    }

    [Fact]
    public async Task DuplicateDeliveries_ReserveReleaseAndSellOnce()
    {
        var product = await Stocked(10);
        var sold = Guid.NewGuid();
        var cancelled = Guid.NewGuid();
        using var client = fixture.Client(null);

        foreach (var orderId in new[] { sold, cancelled })
        {
            for (var i = 0; i < 2; i++)
            {
                (await Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (product, 2)))).EnsureSuccessStatusCode();
            }
        }
        Assert.Equal(new StockResponse(product, 6, 4, 0), await Stock(product));

        for (var i = 0; i < 2; i++)
        {
            (await Deliver(client, "OrderConfirmed", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = sold, userId = "user-1", total = 998m, lines = new[] { new { productId = product, quantity = 2 } } })).EnsureSuccessStatusCode();
            (await Deliver(client, "OrderCancelled", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = cancelled, userId = "user-1", reason = "PaymentFailed", lines = new[] { new { productId = product, quantity = 2 } } })).EnsureSuccessStatusCode();
        }

        var stock = await Stock(product);
        Assert.Equal(new StockResponse(product, 8, 0, 2), stock);
        Assert.Equal(10, stock.Available + stock.Reserved + stock.Sold);
    }

    [Fact]
    public async Task Restock_KeepsLedgerBalanced_WhileUnitsAreHeldAndSold()
    {
        var product = await Stocked(3);
        using var client = fixture.Client(null);
        // Three one-unit orders: a split product holds a line whole in one bucket, and no bucket has all three.
        for (var i = 0; i < 3; i++)
        {
            (await Deliver(client, "OrderSubmitted", OrderSubmitted(Guid.NewGuid(), (product, 1)))).EnsureSuccessStatusCode();
        }

        using var admin = fixture.Admin();
        var restocked = await (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 4 }, Ct)).Content.ReadFromJsonAsync<StockResponse>(Ct);

        Assert.Equal(new StockResponse(product, 4, 3, 0), restocked);   // received: 3 initial + 4 restocked = 7
        Assert.Equal(7, restocked!.Available + restocked.Reserved + restocked.Sold);
    }

    [Fact]
    public async Task Availability_IsReadableAnonymously_AndFollowsTheShelf()
    {
        var product = await Stocked(7);
        using var anonymous = fixture.Client(null);

        var response = await anonymous.GetAsync($"/api/inventory/{product}/availability", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(product, json.GetProperty("productId").GetString());
        Assert.Equal("InStock", json.GetProperty("status").GetString());
        Assert.Equal(7, json.GetProperty("available").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("perUserLimit").ValueKind);

        // A restock through this replica is visible at once; a reservation within the cache's short lifetime.
        using var admin = fixture.Admin();
        await Succeeded(await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 3 }, Ct));
        Assert.Equal(new AvailabilityResponse(product, AvailabilityStatus.FewLeft, 3, null), await Availability(anonymous, product));

        for (var i = 0; i < 3; i++)
        {
            (await Deliver(anonymous, "OrderSubmitted", OrderSubmitted(Guid.NewGuid(), (product, 1)))).EnsureSuccessStatusCode();
        }
        Assert.Equal(new AvailabilityResponse(product, AvailabilityStatus.OutOfStock, 0, null),
            await Eventually.MatchAsync(() => Availability(anonymous, product), a => a.Status == AvailabilityStatus.OutOfStock, "availability to show the product sold out"));
    }

    [Fact]
    public async Task Availability_Answers404ForUnknownProducts_And400ForInvalidIds()
    {
        using var anonymous = fixture.Client(null);

        var unknown = await anonymous.GetAsync($"/api/inventory/{NewProduct()}/availability", Ct);
        var invalid = await anonymous.GetAsync("/api/inventory/not%20valid!/availability", Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task PerUserLimit_IsSetByTheAdminPut_ShownInAvailability_AndRemovedByAPutWithoutIt()
    {
        var product = NewProduct();
        using var admin = fixture.Admin();
        using var anonymous = fixture.Client(null);

        var set = await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 10, perUserLimit = 2 }, Ct);
        await Succeeded(set);
        Assert.Equal(new StockResponse(product, 10, 0, 0, 2), await set.Content.ReadFromJsonAsync<StockResponse>(Ct));
        Assert.Equal(new AvailabilityResponse(product, AvailabilityStatus.InStock, 10, 2), await Availability(anonymous, product));

        await Succeeded(await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 10 }, Ct));
        Assert.Equal(new AvailabilityResponse(product, AvailabilityStatus.InStock, 10, null), await Availability(anonymous, product));
    }

    [Theory]
    [InlineData("""{"available":5,"perUserLimit":0}""")]
    [InlineData("""{"available":5,"perUserLimit":101}""")]
    [InlineData("""{"available":5,"perUserLimit":-1}""")]
    [InlineData("""{"available":5,"perUserLimit":1.5}""")]
    public async Task SetStock_Returns400_ForAnInvalidPerUserLimit(string body)
    {
        using var admin = fixture.Admin();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var response = await admin.PutAsync($"/api/inventory/{NewProduct()}", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PerUserLimit_RefusesOrdersOverTheCap_CountsSales_AndReturnsCancelledUnits()
    {
        var product = NewProduct();
        using var admin = fixture.Admin();
        await Succeeded(await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 10, perUserLimit = 1 }, Ct));
        using var client = fixture.Client(null);
        var (tooMany, cancelled, confirmed, again, otherUser) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        (await Deliver(client, "OrderSubmitted", OrderSubmitted(tooMany, (product, 2)))).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderSubmitted", OrderSubmitted(cancelled, (product, 1)))).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderCancelled", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = cancelled, userId = "user-1", reason = "PaymentFailed", lines = new[] { new { productId = product, quantity = 1 } } })).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderSubmitted", OrderSubmitted(confirmed, (product, 1)))).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderConfirmed", new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = confirmed, userId = "user-1", total = 499m, lines = new[] { new { productId = product, quantity = 1 } } })).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderSubmitted", OrderSubmitted(again, (product, 1)))).EnsureSuccessStatusCode();
        (await Deliver(client, "OrderSubmitted", OrderSubmitted(otherUser, "user-2", (product, 1)))).EnsureSuccessStatusCode();
        await fixture.WaitForOutcomesAsync([tooMany, cancelled, confirmed, again, otherUser], 5);

        foreach (var refused in new[] { tooMany, again })
        {
            var failed = Assert.Single(fixture.Events("StockReservationFailed", [refused]));
            Assert.Equal("purchase limit exceeded", (string?)failed["data"]!["reason"]);
            Assert.Equal(product, (string?)failed["data"]!["productId"]);
        }
        Assert.Equal(3, fixture.Events("StockReserved", [cancelled, confirmed, otherUser]).Count);
        Assert.Equal(new StockResponse(product, 8, 1, 1, 1), await Stock(product));
    }

    [Fact]
    public async Task PerUserLimit_HoldsForOneUsersConcurrentOrders()
    {
        var product = NewProduct();
        using var admin = fixture.Admin();
        await Succeeded(await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 50, perUserLimit = 2 }, Ct));
        var orders = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        using var client = fixture.Client(null);

        var responses = await Task.WhenAll(orders.Select(orderId => Deliver(client, "OrderSubmitted", OrderSubmitted(orderId, (product, 1)))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await fixture.WaitForOutcomesAsync(orders, 12);

        Assert.Equal(2, fixture.Events("StockReserved", orders).Count);
        Assert.All(fixture.Events("StockReservationFailed", orders), e => Assert.Equal("purchase limit exceeded", (string?)e["data"]!["reason"]));
        Assert.Equal(new StockResponse(product, 48, 2, 0, 2), await Stock(product));
    }

    private static async Task<AvailabilityResponse> Availability(HttpClient client, string product) =>
        (await client.GetFromJsonAsync<AvailabilityResponse>($"/api/inventory/{product}/availability", Ct))!;

    // Like EnsureSuccessStatusCode, but a failure shows the ProblemDetails the service answered.
    private static async Task Succeeded(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    private static async Task<T> Succeeded<T>(HttpResponseMessage response)
    {
        await Succeeded(response);
        return (await response.Content.ReadFromJsonAsync<T>(TolerantJson.Options, Ct))!;
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheStockApi()
    {
        using var client = fixture.Client(null);
        var document = await client.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains("/api/inventory/{productId}", document);
        Assert.Contains("/api/inventory/{productId}/availability", document);
        Assert.Contains("perUserLimit", document);
    }

    private static object OrderSubmitted(Guid orderId, params (string Product, int Quantity)[] lines) => OrderSubmitted(orderId, "user-1", lines);

    private static object OrderSubmitted(Guid orderId, string userId, params (string Product, int Quantity)[] lines) => new
    {
        eventId = Guid.NewGuid(),
        occurredAt = DateTimeOffset.UtcNow,
        orderId,
        userId,
        lines = lines.Select(l => new { productId = l.Product, quantity = l.Quantity, unitPrice = 499m, title = "Thing" }),
        total = lines.Sum(l => l.Quantity * 499m),
        reservationExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10),
    };

    // Posts the CloudEvent daprd would deliver, straight to the subscription route (concurrently when asked).
    private static Task<HttpResponseMessage> Deliver(HttpClient client, string type, object data)
    {
        var envelope = new { id = Guid.NewGuid().ToString(), source = "ordering", type, specversion = "1.0", datacontenttype = "application/json", topic = "orders", pubsubname = "pubsub", data };
        var route = type switch
        {
            "OrderSubmitted" => "order-submitted",
            "OrderConfirmed" => "order-confirmed",
            _ => "order-cancelled",
        };
        var content = new StringContent(JsonSerializer.Serialize(envelope), Encoding.UTF8, "application/cloudevents+json");
        return client.PostAsync($"/integration-events/{route}", content, Ct);
    }
}
