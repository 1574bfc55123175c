using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>Contract 2 end to end in ordering: inventory's cap refusal cancels the order and announces the reason.</summary>
[Functional]
public sealed class PurchaseLimitSagaTests(OrderingApiFixture fixture) : IClassFixture<OrderingApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("purchase limit exceeded", "PurchaseLimitExceeded")]
    [InlineData("out of stock", "OutOfStock")]
    public async Task StockReservationFailed_CancelsTheOrder_AndOrderCancelledCarriesTheMappedReason(string inventoryReason, string expected)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"capped-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Flash-sale phone", 9999m);
        fixture.Stubs.Carts[user] = [(productId, 2)];
        using var client = fixture.ClientFor(user);
        using var checkout = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
        checkout.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var placed = await client.SendAsync(checkout, Ct);
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>(Ct))!["orderId"]!;

        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "inventory",
            ["type"] = "StockReservationFailed",
            ["datacontenttype"] = "application/json",
            ["pubsubname"] = "pubsub",
            ["topic"] = "inventory",
            ["data"] = JsonSerializer.SerializeToNode(new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, productId, reason = inventoryReason }, JsonSerializerOptions.Web),
        };
        using var app = fixture.Factory.CreateClient();
        using var delivered = await app.PostAsync("/integration-events/stock-reservation-failed",
            new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Ct);
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);

        var order = (await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}", Ct))!;
        Assert.Equal("Cancelled", (string)order["status"]!);
        Assert.Equal(expected, (string)order["cancellationReason"]!);

        JsonObject? Cancelled() => fixture.Stubs.OrderEvents.FirstOrDefault(e => (string?)e["type"] == "OrderCancelled" && (string?)e["data"]?["orderId"] == orderId);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Cancelled() is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }
        Assert.Equal(expected, (string?)Cancelled()?["data"]?["reason"]);
    }
}
