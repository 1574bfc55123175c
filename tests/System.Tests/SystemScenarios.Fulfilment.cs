using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>
/// This part: after the order. A customer buys, the courier's signed scans deliver the parcel, the customer returns
/// it, the courier collects it, and the refund and the restock follow: the money and the stock end where they began.
/// </summary>
public abstract partial class SystemScenarios
{
    [Fact]
    public async Task A_delivered_order_returned_by_its_customer_is_refunded_in_full_and_its_units_are_back_on_the_shelf()
    {
        fixture.RequireApps("cart", "inventory", "ordering", "payment", "notification", "fulfilment");
        var productId = await FindProductAsync("samsung phone");
        using var admin = await SignedInAsync($"admin-{Guid.NewGuid():N}", "admin");
        using var customer = await SignedInAsync($"buyer-{Guid.NewGuid():N}", "customer");
        var courier = new Courier(fixture.Run!.GatewayUrl, fixture.Profile);
        var (orderId, total, shelf) = await BuyAsync(admin, customer, productId, quantity: 2, stock: 10);

        var tracking = await TrackingNumberAsync(customer, orderId);
        foreach (var scan in new[] { "shipped", "out-for-delivery", "delivered" })
        {
            Assert.Equal(HttpStatusCode.Accepted, await courier.ScanAsync(tracking, scan, Cancellation));
        }
        await OrderReachesAsync(customer, orderId, "Delivered");

        using (var returned = await customer.PostAsJsonAsync($"api/orders/{orderId}/return", new { reason = "too small" }, Cancellation))
        {
            await returned.ShouldBeAsync(HttpStatusCode.Accepted, Cancellation);
        }
        using (var again = await customer.PostAsJsonAsync($"api/orders/{orderId}/return", new { reason = "too small" }, Cancellation))
        {
            await again.ShouldBeAsync(HttpStatusCode.Conflict, Cancellation);
        }
        await ShipmentMatchesAsync(customer, orderId, s => s.TryGetProperty("pickupBy", out var by) && by.ValueKind == JsonValueKind.String, "the pickup is booked");
        Assert.Equal(HttpStatusCode.Accepted, await courier.ScanAsync(tracking, "pickup-done", Cancellation));

        var order = await OrderReachesAsync(customer, orderId, "Refunded");
        Assert.Equal(
            ["Confirmed", "Packed", "Shipped", "OutForDelivery", "Delivered", "ReturnRequested", "PickedUp", "Refunded"],
            order.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("status").GetString()).SkipWhile(s => s != "Confirmed"));
        await AssertConservedAsync(admin, orderId, total, productId, shelf);
    }

    [Fact]
    public async Task An_order_cancelled_after_confirmation_before_hand_over_is_refunded_and_restocked_and_a_cancel_after_hand_over_is_refused()
    {
        fixture.RequireApps("inventory", "ordering", "payment", "fulfilment");
        var productId = await FindProductAsync("samsung phone");
        using var admin = await SignedInAsync($"admin-{Guid.NewGuid():N}", "admin");
        using var customer = await SignedInAsync($"buyer-{Guid.NewGuid():N}", "customer");
        var (orderId, total, shelf) = await BuyAsync(admin, customer, productId, quantity: 1, stock: 5);

        // The warehouse is quick: by now the parcel may already be with the courier. Either answer is right, and
        // each must leave money and stock consistent.
        using var cancel = await customer.PostAsync($"api/orders/{orderId}/cancel", null, Cancellation);
        if (cancel.StatusCode == HttpStatusCode.OK)
        {
            await OrderReachesAsync(customer, orderId, "Cancelled");
            await AssertConservedAsync(admin, orderId, total, productId, shelf);
        }
        else
        {
            await cancel.ShouldBeAsync(HttpStatusCode.Conflict, Cancellation);
            var problem = await cancel.ReadJsonAsync(Cancellation);
            Assert.Contains("courier", problem.GetProperty("detail").GetString());
            Assert.NotEqual("Cancelled", (await OrderAsync(customer, orderId)).GetProperty("status").GetString());
        }

        // Once the courier has it, a cancel is refused with the reason, whatever the order's status says.
        var second = await BuyAsync(admin, customer, productId, quantity: 1, stock: 5);
        var tracking = await TrackingNumberAsync(customer, second.OrderId);
        using var late = await customer.PostAsync($"api/orders/{second.OrderId}/cancel", null, Cancellation);
        await late.ShouldBeAsync(HttpStatusCode.Conflict, Cancellation);
        Assert.Contains(tracking, (await late.ReadJsonAsync(Cancellation)).GetProperty("detail").GetString());
    }

    /// <summary>Buys <paramref name="quantity"/> units once the shelf holds <paramref name="stock"/>; answers the shelf as it was before.</summary>
    private async Task<(string OrderId, decimal Total, JsonElement Shelf)> BuyAsync(HttpClient admin, HttpClient customer, string productId, int quantity, int stock)
    {
        JsonElement shelf;
        using (var set = await admin.PutAsJsonAsync($"api/inventory/{productId}", new { available = stock }, Cancellation))
        {
            Assert.True(set.IsSuccessStatusCode, $"setting stock: {(int)set.StatusCode} {await set.Content.ReadAsStringAsync(Cancellation)}");
            shelf = await set.ReadJsonAsync(Cancellation);
        }
        using var placed = await customer.SendPolitelyAsync(() =>
        {
            var buy = new HttpRequestMessage(HttpMethod.Post, "api/orders/buy-now") { Content = JsonContent.Create(new { productId, quantity }) };
            buy.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            return buy;
        }, Cancellation);
        await placed.ShouldBeAsync(HttpStatusCode.Accepted, Cancellation);
        var orderId = (await placed.ReadJsonAsync(Cancellation)).GetProperty("orderId").GetString()!;
        var order = await OrderReachesAsync(customer, orderId, "Confirmed", orLater: true);
        return (orderId, order.GetProperty("total").GetDecimal(), shelf);
    }

    private async Task<JsonElement> OrderAsync(HttpClient customer, string orderId)
    {
        using var response = await customer.GetAsync($"api/orders/{orderId}", Cancellation);
        await response.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
        return await response.ReadJsonAsync(Cancellation);
    }

    private static readonly string[] AfterConfirmed = ["Confirmed", "Packed", "Shipped", "OutForDelivery", "Delivered"];

    private async Task<JsonElement> OrderReachesAsync(HttpClient customer, string orderId, string status, bool orLater = false) =>
        await Eventually.MatchAsync(() => OrderAsync(customer, orderId),
            order => order.GetProperty("status").GetString() is { } now && (now == status || (orLater && AfterConfirmed.Contains(now))),
            $"order {orderId} reaches {status}", SagaTimeout);

    private async Task<JsonElement> ShipmentMatchesAsync(HttpClient customer, string orderId, Func<JsonElement, bool> done, string what) =>
        await Eventually.MatchAsync(async () =>
        {
            using var response = await customer.GetAsync($"api/fulfilment/shipments/{orderId}", Cancellation);
            return response.IsSuccessStatusCode ? await response.ReadJsonAsync(Cancellation) : default;
        }, shipment => shipment.ValueKind == JsonValueKind.Object && done(shipment), $"{what} ({orderId})", SagaTimeout);

    private async Task<string> TrackingNumberAsync(HttpClient customer, string orderId) =>
        (await ShipmentMatchesAsync(customer, orderId, s => s.GetProperty("trackingNumber").ValueKind == JsonValueKind.String, "the parcel is with the courier"))
            .GetProperty("trackingNumber").GetString()!;

    /// <summary>The order's charge was paid back in full exactly once, and the shelf is as it was before the order.</summary>
    private async Task AssertConservedAsync(HttpClient admin, string orderId, decimal total, string productId, JsonElement before)
    {
        var payment = await Eventually.MatchAsync(async () =>
        {
            using var response = await admin.GetAsync($"api/payments/orders/{orderId}", Cancellation);
            return response.IsSuccessStatusCode ? await response.ReadJsonAsync(Cancellation) : default;
        }, p => p.ValueKind == JsonValueKind.Object && p.GetProperty("status").GetString() == "Refunded", $"order {orderId} is refunded", SagaTimeout);
        Assert.Equal(total, payment.GetProperty("amount").GetDecimal());
        Assert.Equal(total, payment.GetProperty("refunds").EnumerateArray().Sum(r => r.GetProperty("amount").GetDecimal()));
        Assert.Single(payment.GetProperty("refunds").EnumerateArray());

        var shelf = await Eventually.MatchAsync(async () =>
        {
            using var response = await admin.GetAsync($"api/inventory/{productId}", Cancellation);
            return await response.ReadJsonAsync(Cancellation);
        }, s => s.GetProperty("available").GetInt32() == before.GetProperty("available").GetInt32(), $"{productId} is back to its units", SagaTimeout);
        Assert.Equal(before.GetProperty("reserved").GetInt32(), shelf.GetProperty("reserved").GetInt32());
        Assert.Equal(before.GetProperty("sold").GetInt32(), shelf.GetProperty("sold").GetInt32());
    }
}
