using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Functional;

[Functional]
public sealed class PaymentSagaTests(PaymentApiFixture fixture) : IClassFixture<PaymentApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object StockReserved(Guid orderId, decimal amount) => new
    {
        eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-1", amount, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10),
    };

    private static object OrderCancelled(Guid orderId) => new
    {
        eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-1", reason = "CancelledByUser",
        lines = new[] { new { productId = "p1", quantity = 1 } },
    };

    private async Task PublishAsync(string topic, string type, object data)
    {
        using var dapr = fixture.PublisherOf(topic).CreateDaprClient();
        await dapr.PublishEventAsync("pubsub", topic, data, new Dictionary<string, string> { ["cloudevent.type"] = type }, Ct);
    }

    private async Task<HttpResponseMessage> DeliverAsync(string route, string type, object data)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = Guid.NewGuid().ToString(), ["source"] = "test", ["type"] = type,
            ["datacontenttype"] = "application/json", ["data"] = JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web),
        };
        using var client = fixture.Factory.CreateClient();
        return await client.PostAsync(route, new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Ct);
    }

    private async Task<JsonObject?> PaymentOf(Guid orderId)
    {
        using var admin = fixture.AdminClient();
        using var response = await admin.GetAsync($"/api/payments/orders/{orderId}", Ct);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonObject>(Ct) : null;
    }

    private IEnumerable<JsonObject> EventsFor(Guid orderId, string type) =>
        fixture.PaymentEvents.Where(e => (string?)e["type"] == type && (string?)e["data"]?["orderId"] == orderId.ToString());

    [Fact]
    public async Task DuplicateStockReserved_ChargesOnce_AndPublishesOnePaymentSucceeded()
    {
        var orderId = Guid.NewGuid();
        var reserved = StockReserved(orderId, 2499m);

        await PublishAsync("inventory", "StockReserved", reserved);
        await PublishAsync("inventory", "StockReserved", reserved);
        var succeeded = await Eventually.GetAsync(() => EventsFor(orderId, "PaymentSucceeded").FirstOrDefault(), "PaymentSucceeded");
        // Deliver a third copy straight to the route and wait for it, so every duplicate has been handled.
        using var third = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);

        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(2499m, (decimal)succeeded["data"]!["amount"]!);
        var payment = (await PaymentOf(orderId))!;
        Assert.Equal("Charged", (string)payment["status"]!);
        Assert.Single(payment["charges"]!.AsArray());
        Assert.Single(EventsFor(orderId, "PaymentSucceeded"));
    }

    [Fact]
    public async Task ConcurrentStockReservedDeliveries_ChargeOnce()
    {
        var orderId = Guid.NewGuid();
        var reserved = StockReserved(orderId, 999m);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single((await PaymentOf(orderId))!["charges"]!.AsArray());
        await Eventually.GetAsync(() => EventsFor(orderId, "PaymentSucceeded").FirstOrDefault(), "PaymentSucceeded");
        Assert.Single(EventsFor(orderId, "PaymentSucceeded"));
    }

    [Fact]
    public async Task CancelAfterCharge_RefundsExactlyOnce()
    {
        var orderId = Guid.NewGuid();
        using var charged = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", StockReserved(orderId, 1500m));

        await PublishAsync("orders", "OrderCancelled", OrderCancelled(orderId));
        await PublishAsync("orders", "OrderCancelled", OrderCancelled(orderId));
        var refunded = await Eventually.GetAsync(() => EventsFor(orderId, "PaymentRefunded").FirstOrDefault(), "PaymentRefunded");
        using var again = await DeliverAsync("/integration-events/order-cancelled", "OrderCancelled", OrderCancelled(orderId));

        Assert.Equal(1500m, (decimal)refunded["data"]!["amount"]!);
        Assert.Equal("buyer-1", (string)refunded["data"]!["userId"]!);
        var payment = (await PaymentOf(orderId))!;
        Assert.Equal("Refunded", (string)payment["status"]!);
        Assert.Single(payment["charges"]!.AsArray());
        Assert.Single(payment["refunds"]!.AsArray());
        Assert.Single(EventsFor(orderId, "PaymentRefunded"));
    }

    [Fact]
    public async Task CancelBeforeCharge_VoidsTheOrder_SoALateStockReservedNeverCharges()
    {
        var orderId = Guid.NewGuid();

        using var cancelled = await DeliverAsync("/integration-events/order-cancelled", "OrderCancelled", OrderCancelled(orderId));
        using var late = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", StockReserved(orderId, 700m));

        var payment = (await PaymentOf(orderId))!;
        Assert.Equal("Voided", (string)payment["status"]!);
        Assert.Empty(payment["charges"]!.AsArray());
        Assert.Empty(EventsFor(orderId, "PaymentSucceeded"));
    }

    [Fact]
    public async Task TestAmountEndingIn13Paise_IsDeclined_WithPaymentFailed()
    {
        var orderId = Guid.NewGuid();

        await PublishAsync("inventory", "StockReserved", StockReserved(orderId, 499.13m));

        var failed = await Eventually.GetAsync(() => EventsFor(orderId, "PaymentFailed").FirstOrDefault(), "PaymentFailed");
        Assert.Contains("declined", (string)failed["data"]!["reason"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Declined", (string)(await PaymentOf(orderId))!["status"]!);
    }

    [Fact]
    public async Task OtherEventTypes_OnSubscribedTopics_AreAcknowledged()
    {
        using var response = await DeliverAsync("/integration-events/orders-other", "OrderConfirmed", new { orderId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(null, null, HttpStatusCode.Unauthorized)]
    [InlineData("buyer-1", "customer", HttpStatusCode.Forbidden)]
    [InlineData("ops", "admin", HttpStatusCode.NotFound)]
    public async Task AdminEndpoint_IsForAdminsOnly(string? user, string? roles, HttpStatusCode expected)
    {
        using var client = fixture.Factory.CreateClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-User-Id", user);
            client.DefaultRequestHeaders.Add("X-User-Roles", roles);
        }

        using var response = await client.GetAsync($"/api/payments/orders/{Guid.NewGuid()}", Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminEndpoint()
    {
        using var client = fixture.Factory.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("/api/payments/orders/{orderId}", document);
        Assert.DoesNotContain("integration-events", document);
    }
}
