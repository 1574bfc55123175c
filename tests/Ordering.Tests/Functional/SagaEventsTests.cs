using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>The saga side of ordering: subscriptions, event handlers advancing orders, and events leaving through the outbox.</summary>
[Functional]
public sealed class SagaEventsTests(OrderingApiFixture fixture) : IClassFixture<OrderingApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpClient Client, Guid OrderId, string UserId)> PlaceOrderAsync(decimal price = 300m)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"saga-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Saga product", price);
        fixture.Stubs.Carts[user] = [(productId, 1)];
        var client = fixture.ClientFor(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        return (client, Guid.Parse((string)body!["orderId"]!), user);
    }

    private static async Task<JsonObject> GetOrderAsync(HttpClient client, Guid orderId) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}", Ct))!;

    /// <summary>Posts a CloudEvent to a subscription route the way daprd delivers it.</summary>
    private async Task<HttpResponseMessage> DeliverAsync(string route, string type, object data)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "test",
            ["type"] = type,
            ["datacontenttype"] = "application/json",
            ["pubsubname"] = "pubsub",
            ["topic"] = "inventory",
            ["data"] = JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web),
        };
        using var client = fixture.Factory.CreateClient();
        return await client.PostAsync(route, new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Ct);
    }

    [Fact]
    public async Task SubscribeHandler_RoutesByCloudEventType_WithADefaultRoutePerTopic()
    {
        using var client = fixture.Factory.CreateClient();
        var subscriptions = (await client.GetFromJsonAsync<JsonArray>("/dapr/subscribe", Ct))!;

        var inventory = subscriptions.Single(s => (string)s!["topic"]! == "inventory")!;
        Assert.Equal("pubsub", (string)inventory["pubsubName"]!);
        Assert.Equal(
            ["event.type == \"StockReserved\"", "event.type == \"StockReservationFailed\""],
            inventory["routes"]!["rules"]!.AsArray().Select(r => (string)r!["match"]!));
        Assert.Equal("integration-events/inventory-other", (string)inventory["routes"]!["default"]!);
        var payments = subscriptions.Single(s => (string)s!["topic"]! == "payments")!;
        Assert.Equal(
            ["event.type == \"PaymentSucceeded\"", "event.type == \"PaymentFailed\""],
            payments["routes"]!["rules"]!.AsArray().Select(r => (string)r!["match"]!));
    }

    [Fact]
    public async Task StockReservedThenPaymentSucceeded_ConfirmsTheOrder_AndDuplicatesChangeNothing()
    {
        var (client, orderId, user) = await PlaceOrderAsync();
        var reserved = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 300m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10), extra = "producers may add members" };
        var paid = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay_1", amount = 300m };

        using var r1 = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);
        var reservedOrder = await GetOrderAsync(client, orderId);
        Assert.Equal(("StockReserved", "Pending", null), ((string)reservedOrder["status"]!, (string)reservedOrder["outcome"]!, reservedOrder["confirmedAt"]));
        using var p1 = await DeliverAsync("/integration-events/payment-succeeded", "PaymentSucceeded", paid);
        using var p2 = await DeliverAsync("/integration-events/payment-succeeded", "PaymentSucceeded", paid);
        using var r2 = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);

        Assert.All([r1, p1, p2, r2], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var order = await GetOrderAsync(client, orderId);
        Assert.Equal("Confirmed", (string)order["status"]!);
        Assert.Equal("pay_1", (string)order["paymentId"]!);
        // The saga's outcome, which stays when fulfilment moves the status on (Packed, Shipped…).
        Assert.Equal("Confirmed", (string)order["outcome"]!);
        Assert.Equal(order["timeline"]!.AsArray()[^1]!["at"]!.GetValue<DateTimeOffset>(), order["confirmedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(["Submitted", "StockReserved", "Paid", "Confirmed"], order["timeline"]!.AsArray().Select(t => (string)t!["status"]!));

        // The parcel is already with the courier: fulfilment refuses, and ordering passes the reason on.
        fixture.Stubs.HandedOver[orderId] = "FK-TEST";
        using var cancel = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Contains("FK-TEST", (string)(await cancel.Content.ReadFromJsonAsync<JsonObject>(Ct))!["detail"]!);
        Assert.Equal("Confirmed", (string)(await GetOrderAsync(client, orderId))["status"]!);
    }

    [Fact]
    public async Task A_confirmed_order_whose_parcel_fulfilment_stopped_is_cancelled_with_OrderCancelled_for_refund_and_restock()
    {
        var (client, orderId, user) = await PlaceOrderAsync();
        using var r1 = await DeliverAsync("/integration-events/stock-reserved", "StockReserved",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 300m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) });
        using var p1 = await DeliverAsync("/integration-events/payment-succeeded", "PaymentSucceeded",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay_1", amount = 300m });

        using var cancel = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var order = await GetOrderAsync(client, orderId);
        Assert.Equal("Cancelled", (string)order["status"]!);
        Assert.Equal("CancelledByUser", (string)order["cancellationReason"]!);
        Assert.Contains(fixture.Stubs.FulfilmentCalls, c => c.OrderId == orderId && c.Action == "cancel" && c.UserId == user);
        await Eventually.TrueAsync(() => fixture.Stubs.OrderEvents.Any(e => (string?)e["type"] == "OrderCancelled" && (string?)e["data"]!["orderId"] == orderId.ToString()),
            "OrderCancelled is published");
    }

    [Fact]
    public async Task A_return_is_asked_of_fulfilment_for_the_owner_only_with_a_reason_and_its_refusal_comes_back_as_is()
    {
        var (client, orderId, user) = await PlaceOrderAsync();
        using var stranger = fixture.ClientFor("someone-else");

        using var notTheirs = await stranger.PostAsJsonAsync($"/api/orders/{orderId}/return", new { reason = "too small" }, Ct);
        using var noReason = await client.PostAsJsonAsync($"/api/orders/{orderId}/return", new { reason = "" }, Ct);
        using var first = await client.PostAsJsonAsync($"/api/orders/{orderId}/return", new { reason = "too small" }, Ct);
        using var second = await client.PostAsJsonAsync($"/api/orders/{orderId}/return", new { reason = "too small" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.EndsWith("return-already-requested", (string)(await second.Content.ReadFromJsonAsync<JsonObject>(Ct))!["type"]!);
        Assert.Equal(["too small", "too small"], fixture.Stubs.FulfilmentCalls.Where(c => c.OrderId == orderId && c.UserId == user).Select(c => c.Reason));
    }

    [Fact]
    public async Task StockReservationFailed_CancelsWithOutOfStock()
    {
        var (client, orderId, _) = await PlaceOrderAsync();

        using var response = await DeliverAsync("/integration-events/stock-reservation-failed", "StockReservationFailed",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, productId = "p1", reason = "Insufficient stock" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var order = await GetOrderAsync(client, orderId);
        Assert.Equal("Cancelled", (string)order["status"]!);
        Assert.Equal("OutOfStock", (string)order["cancellationReason"]!);
    }

    [Fact]
    public async Task PaymentFailed_CancelsWithPaymentFailed()
    {
        var (client, orderId, _) = await PlaceOrderAsync();

        using var response = await DeliverAsync("/integration-events/payment-failed", "PaymentFailed",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, reason = "Card declined" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("PaymentFailed", (string)(await GetOrderAsync(client, orderId))["cancellationReason"]!);
    }

    [Fact]
    public async Task UnreadableOrUnknownEvents_AreAcknowledgedNotRetried()
    {
        using var unknownOrder = await DeliverAsync("/integration-events/stock-reserved", "StockReserved",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId = Guid.NewGuid(), amount = 1m, expiresAt = DateTimeOffset.UtcNow });
        using var noOrderId = await DeliverAsync("/integration-events/payment-failed", "PaymentFailed", new { reason = "x" });
        using var otherType = await DeliverAsync("/integration-events/inventory-other", "StockReleased", new { orderId = Guid.NewGuid(), reason = "x" });

        Assert.Equal(HttpStatusCode.OK, unknownOrder.StatusCode);
        Assert.Equal("DROP", (string)(await noOrderId.Content.ReadFromJsonAsync<JsonObject>(Ct))!["status"]!);
        Assert.Equal(HttpStatusCode.OK, otherType.StatusCode);
    }

    [Fact]
    public async Task EventsPublishedOnTheInventoryTopic_ReachTheOrderThroughPubSub()
    {
        var (client, orderId, user) = await PlaceOrderAsync();
        using var dapr = fixture.Peer.CreateDaprClient();

        await dapr.PublishEventAsync("pubsub", "inventory",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 300m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) },
            new Dictionary<string, string> { ["cloudevent.type"] = "StockReserved" }, Ct);

        await Eventually.GetAsync(async () => (await GetOrderAsync(client, orderId)) is var o && (string)o["status"]! == "StockReserved" ? o : null, "the order to be StockReserved");
    }

    [Fact]
    public async Task OrderSubmittedAndOrderCancelled_LeaveThroughTheOutbox_WithTheEventNameAsType()
    {
        var (client, orderId, user) = await PlaceOrderAsync(price: 123.45m);
        using var cancel = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        JsonObject? Find(string type) => fixture.Stubs.OrderEvents.FirstOrDefault(e =>
            (string?)e["type"] == type && (string?)e["data"]?["orderId"] == orderId.ToString());
        var submitted = await Eventually.GetAsync(() => Find("OrderSubmitted"), "OrderSubmitted on topic orders");
        var cancelled = await Eventually.GetAsync(() => Find("OrderCancelled"), "OrderCancelled on topic orders");

        Assert.Equal("orders", (string)submitted["topic"]!);
        var data = submitted["data"]!.AsObject();
        Assert.Equal(user, (string)data["userId"]!);
        Assert.Equal(123.45m, (decimal)data["total"]!);
        Assert.Equal(123.45m, (decimal)data["lines"]![0]!["unitPrice"]!);
        Assert.NotNull(data["eventId"]);
        Assert.NotNull(data["reservationExpiresAt"]);
        Assert.Equal(
            ["checkout", "eventId", "lines", "occurredAt", "orderId", "reservationExpiresAt", "total", "userId"],
            data.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("cart", (string)data["checkout"]!);
        Assert.Equal("CancelledByUser", (string)cancelled["data"]!["reason"]!);
        // Only the final states are announced; nothing else about this order went out.
        Assert.Equal(2, fixture.Stubs.OrderEvents.Count(e => (string?)e["data"]?["orderId"] == orderId.ToString()));
    }
}
