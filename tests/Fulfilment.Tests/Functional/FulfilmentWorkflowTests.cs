using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Functional;

/// <summary>
/// The workflows on the embedded sidecar's workflow engine, driven the way production drives them: OrderConfirmed
/// through the subscription, the courier through its signed webhook, the customer through ordering's internal calls,
/// deadlines by moving the clock past the durable timers.
/// </summary>
[Functional]
public sealed class FulfilmentWorkflowTests(FulfilmentFixture fixture) : IClassFixture<FulfilmentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Guid> HandedOverAsync()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        await fixture.StageAsync(orderId, "HandedOver");
        return orderId;
    }

    private async Task<Guid> DeliveredAsync()
    {
        var orderId = await HandedOverAsync();
        using var delivered = await fixture.ScanAsync(orderId, "delivered");
        Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        await fixture.StageAsync(orderId, "Delivered");
        return orderId;
    }

    [Fact]
    public async Task A_delivered_order_returned_in_its_window_is_picked_up_inspected_refunded_and_restocked_once_each()
    {
        var orderId = await HandedOverAsync();
        using (var outForDelivery = await fixture.ScanAsync(orderId, "out-for-delivery"))
        {
            Assert.Equal(HttpStatusCode.Accepted, outForDelivery.StatusCode);
        }
        using (var delivered = await fixture.ScanAsync(orderId, "delivered"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }
        var shipment = await fixture.StageAsync(orderId, "Delivered");
        Assert.True(shipment["canReturn"]!.GetValue<bool>());

        using (var request = await fixture.InternalAsync(orderId, "return", new { reason = "too small" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        }
        await Eventually.GetAsync(async () => await fixture.ShipmentAsync(orderId) is { } s && s["pickupBy"] is not null ? s : null, "the pickup is booked");
        using (var pickup = await fixture.ScanAsync(orderId, "pickup-done"))
        {
            Assert.Equal(HttpStatusCode.Accepted, pickup.StatusCode);
        }

        var refunded = await fixture.StageAsync(orderId, "Refunded");
        Assert.Equal("too small", refunded["returnReason"]!.GetValue<string>());
        Assert.Equal(1, fixture.Refunds[orderId]);
        Assert.Equal(1, fixture.Restocks[orderId]);
        await Eventually.TrueAsync(() => fixture.PublishedTypes(orderId).Contains("ReturnRefunded"), "ReturnRefunded is published");
        Assert.Equal(
            ["OrderPacked", "OrderShipped", "ShipmentScanned", "OrderDelivered", "ReturnRequested", "ReturnPickedUp", "ReturnRefunded"],
            fixture.PublishedTypes(orderId).Distinct());
    }

    [Fact]
    public async Task The_return_window_closes_on_its_durable_timer_and_a_return_after_it_is_refused_with_the_reason()
    {
        var orderId = await DeliveredAsync();

        await fixture.AdvanceUntilAsync(async () => (await fixture.ShipmentAsync(orderId))?["stage"]?.GetValue<string>() == "Completed",
            TimeSpan.FromDays(1), "the return window closes");

        using var late = await fixture.InternalAsync(orderId, "return", new { reason = "changed my mind" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var problem = await late.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.EndsWith("return-window-closed", problem!["type"]!.GetValue<string>());
        Assert.False(fixture.Refunds.ContainsKey(orderId));
    }

    [Fact]
    public async Task A_return_the_courier_never_collects_lapses_at_its_deadline_and_nothing_is_refunded()
    {
        var orderId = await DeliveredAsync();
        using (var request = await fixture.InternalAsync(orderId, "return", new { reason = "wrong colour" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        }
        await Eventually.GetAsync(async () => await fixture.ShipmentAsync(orderId) is { } s && s["pickupBy"] is not null ? s : null, "the pickup is booked");

        await fixture.AdvanceUntilAsync(async () => (await fixture.ShipmentAsync(orderId))?["stage"]?.GetValue<string>() == "ReturnLapsed",
            TimeSpan.FromHours(12), "the return lapses");

        using var lateScan = await fixture.ScanAsync(orderId, "pickup-done");
        Assert.Equal(HttpStatusCode.Conflict, lateScan.StatusCode);
        Assert.False(fixture.Refunds.ContainsKey(orderId));
        Assert.False(fixture.Restocks.ContainsKey(orderId));
        await Eventually.TrueAsync(() => fixture.PublishedTypes(orderId).Contains("ReturnLapsed"), "ReturnLapsed is published");
    }

    [Fact]
    public async Task A_missed_delivery_promise_tells_the_customer_once_and_a_late_delivery_still_counts()
    {
        var orderId = await HandedOverAsync();

        await fixture.AdvanceUntilAsync(async () => (await fixture.ShipmentAsync(orderId))?["history"]!.AsArray().Any(h => h!["detail"]?.GetValue<string>()?.Contains("missed") == true) == true,
            TimeSpan.FromHours(12), "the missed promise is recorded");
        using (var delivered = await fixture.ScanAsync(orderId, "delivered"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }

        await fixture.StageAsync(orderId, "Delivered");
        await Eventually.TrueAsync(() => fixture.PublishedTypes(orderId).Contains("OrderDelivered"), "OrderDelivered is published");
        Assert.Single(fixture.PublishedTypes(orderId), t => t == "DeliveryDelayed");
    }

    [Fact]
    public async Task A_cancel_that_arrives_before_OrderConfirmed_leaves_nothing_to_deliver()
    {
        var orderId = Guid.NewGuid();

        using (var cancel = await fixture.InternalAsync(orderId, "cancel"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }
        await fixture.ConfirmAsync(orderId);
        await fixture.ConfirmAsync(orderId);

        var shipment = await fixture.StageAsync(orderId, "Cancelled");
        Assert.Null(shipment["trackingNumber"]);
        await Eventually.TrueAsync(() => fixture.PublishedTypes(orderId).Contains("ShipmentCancelled"), "ShipmentCancelled is published");
        Assert.DoesNotContain("OrderPacked", fixture.PublishedTypes(orderId));
    }

    [Fact]
    public async Task A_cancel_after_hand_over_is_refused_with_the_tracking_number_and_the_parcel_keeps_going()
    {
        var orderId = await HandedOverAsync();

        using var cancel = await fixture.InternalAsync(orderId, "cancel");

        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        var problem = await cancel.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.EndsWith("already-handed-over", problem!["type"]!.GetValue<string>());
        Assert.Contains(Fulfilment.Domain.TrackingNumbers.For(orderId), problem["detail"]!.GetValue<string>());
        using var delivered = await fixture.ScanAsync(orderId, "delivered");
        Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        await fixture.StageAsync(orderId, "Delivered");
    }

    [Fact]
    public async Task A_return_is_accepted_once_and_never_before_delivery_nor_for_someone_else()
    {
        var shipped = await HandedOverAsync();
        using (var early = await fixture.InternalAsync(shipped, "return", new { reason = "r" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        var orderId = await DeliveredAsync();
        using (var stranger = await fixture.InternalAsync(orderId, "return", new { reason = "r" }, userId: "someone-else"))
        {
            Assert.Equal(HttpStatusCode.Conflict, stranger.StatusCode);
        }
        using (var noReason = await fixture.InternalAsync(orderId, "return", new { reason = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }
        using (var first = await fixture.InternalAsync(orderId, "return", new { reason = "too big" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }
        using var second = await fixture.InternalAsync(orderId, "return", new { reason = "too big" });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.EndsWith("return-already-requested", (await second.Content.ReadFromJsonAsync<JsonObject>(Ct))!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_tracking_view_is_the_owners_alone()
    {
        var orderId = await HandedOverAsync();

        using var stranger = fixture.CreateClient("someone-else");
        using var anonymous = fixture.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/fulfilment/shipments/{orderId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/fulfilment/shipments/{orderId}", Ct)).StatusCode);
        Assert.Equal(Fulfilment.Domain.TrackingNumbers.For(orderId), (await fixture.ShipmentAsync(orderId))!["trackingNumber"]!.GetValue<string>());
    }
}
