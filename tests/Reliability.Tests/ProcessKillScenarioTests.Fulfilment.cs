using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>
/// This part: after the order. Fulfilment's workflows wait for days on the outside world; a kill -9 of fulfilment
/// during those waits must lose neither the wait nor what follows it (their history lives in the sidecar's actor state).
/// </summary>
public sealed partial class ProcessKillScenarioTests
{
    private static readonly TimeSpan SagaTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Fulfilment_killed_during_a_delivery_wait_and_during_a_return_resumes_both_and_conserves_money_and_stock()
    {
        Suite.RequireFaultScenarios();
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("DevHost kills with SIGKILL, which is Unix-only.");
        }
        var productId = await shop.NextProductAsync(Cancellation);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        using var customer = shop.Client($"buyer-{Guid.NewGuid():N}");
        var courier = new Courier(shop.GatewayUrl, "local");
        var (orderId, total, shelf) = await BuyAsync(admin, customer, productId);
        var tracking = await TrackingNumberAsync(customer, orderId);
        Assert.Equal("CourierScan", (await AliveAsync(admin, orderId, "Waiting")).AwaitedEvent);

        // Mid delivery wait: the workflow sits on its delivery-promise timer and the courier's next scan.
        await RestartFulfilmentAsync();
        Assert.Equal("CourierScan", (await AliveAsync(admin, orderId, "Waiting")).AwaitedEvent);
        Assert.Equal(HttpStatusCode.Accepted, await courier.ScanAsync(tracking, "delivered", Cancellation));
        await OrderReachesAsync(customer, orderId, "Delivered");

        using (var returned = await customer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Post, $"api/orders/{orderId}/return")
        {
            Content = JsonContent.Create(new { reason = "not as described" }),
        }, Cancellation))
        {
            Assert.True(returned.StatusCode == HttpStatusCode.Accepted, $"return: {(int)returned.StatusCode} {await returned.Content.ReadAsStringAsync(Cancellation)}");
        }
        Assert.Equal("PickupDone", (await AliveAsync(admin, orderId, "Waiting")).AwaitedEvent);

        // Mid return wait: the child workflow sits on its pickup deadline and the pickup-done scan.
        await RestartFulfilmentAsync();
        Assert.Equal("PickupDone", (await AliveAsync(admin, orderId, "Waiting")).AwaitedEvent);
        Assert.Equal(HttpStatusCode.Accepted, await courier.ScanAsync(tracking, "pickup-done", Cancellation));

        await OrderReachesAsync(customer, orderId, "Refunded");
        await AssertConservedAsync(admin, orderId, total, productId, shelf);
        await AliveAsync(admin, orderId, "Completed");
    }

    /// <summary>Kills fulfilment outright (SIGKILL) and starts it again: its workflows live on in its sidecar's actor state.</summary>
    private async Task RestartFulfilmentAsync()
    {
        var replica = shop.Run.Replicas.Single(r => r.AppId == "fulfilment");
        await shop.Run.KillAsync(replica.Name);
        var restarted = await shop.Run.RestartAsync(replica.Name, Cancellation);
        Assert.NotEqual(replica.ProcessId, restarted.ProcessId);
    }

    /// <summary>Buys one unit once the shelf holds ten; answers the order and the shelf as it was before.</summary>
    private static async Task<(Guid OrderId, decimal Total, Stock Shelf)> BuyAsync(HttpClient admin, HttpClient customer, string productId)
    {
        Stock shelf;
        using (var set = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = 10 }) }, Cancellation))
        {
            shelf = StockOf(await set.JsonAsync(Cancellation));
        }
        var key = Guid.NewGuid().ToString();
        using var placed = await customer.SendWithRetriesAsync(() =>
        {
            var buy = new HttpRequestMessage(HttpMethod.Post, "api/orders/buy-now") { Content = JsonContent.Create(new { productId, quantity = 1 }) };
            buy.Headers.Add("Idempotency-Key", key);
            return buy;
        }, Cancellation);
        var orderId = (await placed.JsonAsync(Cancellation)).GetProperty("orderId").GetGuid();
        var order = await Flipkart.Testing.Eventually.MatchAsync(() => OrderAsync(customer, orderId), o => o.GetProperty("outcome").GetString() != "Pending", $"order {orderId} is decided", SagaTimeout);
        Assert.Equal("Confirmed", order.GetProperty("outcome").GetString());
        return (orderId, order.GetProperty("total").GetDecimal(), shelf);
    }

    private static Stock StockOf(JsonElement json) =>
        new(json.GetProperty("available").GetInt32(), json.GetProperty("reserved").GetInt32(), json.GetProperty("sold").GetInt32());

    private static async Task<JsonElement> OrderAsync(HttpClient customer, Guid orderId)
    {
        using var response = await customer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}"), Cancellation, retryServerErrors: true);
        return await response.JsonAsync(Cancellation);
    }

    private static Task<JsonElement> OrderReachesAsync(HttpClient customer, Guid orderId, string status) =>
        Flipkart.Testing.Eventually.MatchAsync(() => OrderAsync(customer, orderId), o => o.GetProperty("status").GetString() == status, $"order {orderId} reaches {status}", SagaTimeout);

    private static async Task<string> TrackingNumberAsync(HttpClient customer, Guid orderId) =>
        (await Flipkart.Testing.Eventually.MatchAsync(async () =>
        {
            using var response = await customer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/fulfilment/shipments/{orderId}"), Cancellation, retryServerErrors: true);
            return response.IsSuccessStatusCode ? await response.JsonAsync(Cancellation) : default;
        }, s => s.ValueKind == JsonValueKind.Object && s.GetProperty("trackingNumber").ValueKind == JsonValueKind.String, $"the parcel of {orderId} is with the courier", SagaTimeout))
        .GetProperty("trackingNumber").GetString()!;

    /// <summary>Fulfilment's liveness report once it says <paramref name="state"/>; never stuck on the way.</summary>
    private static async Task<(string State, string? AwaitedEvent)> AliveAsync(HttpClient admin, Guid orderId, string state)
    {
        var report = await Flipkart.Testing.Eventually.MatchAsync(async () =>
        {
            using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/fulfilment/admin/workflows/{orderId}"), Cancellation, retryServerErrors: true);
            var json = await response.JsonAsync(Cancellation);
            Assert.False(json.GetProperty("stuck").GetBoolean(), $"the workflows of {orderId} are stuck: {json.GetProperty("reason").GetString()}");
            return json;
        }, r => r.GetProperty("state").GetString() == state, $"the workflows of {orderId} are {state}", SagaTimeout);
        return (state, report.TryGetProperty("awaitedEvent", out var awaited) && awaited.ValueKind == JsonValueKind.String ? awaited.GetString() : null);
    }

    /// <summary>The order's charge was paid back in full exactly once, and the shelf is as it was before the order.</summary>
    private static async Task AssertConservedAsync(HttpClient admin, Guid orderId, decimal total, string productId, Stock before)
    {
        var payment = await Flipkart.Testing.Eventually.MatchAsync(async () =>
        {
            using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/payments/orders/{orderId}"), Cancellation, retryServerErrors: true);
            return response.IsSuccessStatusCode ? await response.JsonAsync(Cancellation) : default;
        }, p => p.ValueKind == JsonValueKind.Object && p.GetProperty("status").GetString() == "Refunded", $"order {orderId} is refunded", SagaTimeout);
        Assert.Equal(total, Assert.Single(payment.GetProperty("charges").EnumerateArray()).GetProperty("amount").GetDecimal());
        Assert.Equal(total, Assert.Single(payment.GetProperty("refunds").EnumerateArray()).GetProperty("amount").GetDecimal());

        var after = await Flipkart.Testing.Eventually.MatchAsync(async () =>
        {
            using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{productId}"), Cancellation, retryServerErrors: true);
            return StockOf(await response.JsonAsync(Cancellation));
        }, s => s.Available == before.Available, $"{productId} is back to its units", SagaTimeout);
        Assert.Equal(before, after);
    }
}
