using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Services;

/// <summary>
/// The event an order's state announces is rebuilt from the stored order alone (F2, issue 13): an event lost between
/// the order's compare-and-swap and its outbox publish is re-emitted later with the same id and the same content, so
/// consumers dedupe it, and a state that announces nothing re-emits nothing.
/// </summary>
[Unit]
public sealed class OrderAnnouncedEventTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static Order NewOrder() => Order.Submit(Guid.NewGuid(), "user-1",
        [new OrderLine("p1", "Phone", 999.50m, 2), new OrderLine("p2", "Case", 100m, 1)], T0, TimeSpan.FromMinutes(10));

    // As the order comes back from order-store.
    private static Order Stored(Order order) => JsonSerializer.Deserialize<Order>(JsonSerializer.Serialize(order, Json), Json)!;

    private static string Content(IntegrationEvent? @event) => JsonSerializer.Serialize(@event, @event!.GetType(), Json);

    [Fact]
    public void AnnouncedEvent_IsOrderSubmitted_WhileSubmitted_AndTheSameWhenRebuiltFromTheStoredOrder()
    {
        var order = NewOrder();

        var submitted = Assert.IsType<OrderSubmitted>(OrderService.AnnouncedEvent(order));

        Assert.Equal(T0, submitted.OccurredAt);
        Assert.Equal(Content(submitted), Content(OrderService.AnnouncedEvent(Stored(order))));
    }

    [Fact]
    public void AnnouncedEvent_IsOrderConfirmed_AtTheConfirmation_AndTheSameWhenRebuiltLater()
    {
        var order = NewOrder();
        order.OnStockReserved(T0.AddSeconds(1));
        order.OnPaymentSucceeded("pay_1", T0.AddSeconds(2));

        var confirmed = Assert.IsType<OrderConfirmed>(OrderService.AnnouncedEvent(order));

        Assert.Equal(T0.AddSeconds(2), confirmed.OccurredAt);
        Assert.Equal(order.Total, confirmed.Total);
        Assert.Equal(Content(confirmed), Content(OrderService.AnnouncedEvent(Stored(order))));
    }

    [Fact]
    public void AnnouncedEvent_IsOrderCancelled_WithItsReason_AndTheSameWhenRebuiltLater()
    {
        var order = NewOrder();
        order.OnReservationTimeout(T0.AddMinutes(10));

        var cancelled = Assert.IsType<OrderCancelled>(OrderService.AnnouncedEvent(order));

        Assert.Equal(nameof(CancellationReason.ReservationExpired), cancelled.Reason);
        Assert.Equal(T0.AddMinutes(10), cancelled.OccurredAt);
        Assert.Equal(Content(cancelled), Content(OrderService.AnnouncedEvent(Stored(order))));
    }

    [Fact]
    public void AnnouncedEvent_IsNone_BetweenSubmissionAndTheFinalState()
    {
        var order = NewOrder();
        order.OnStockReserved(T0.AddSeconds(1));

        Assert.Null(OrderService.AnnouncedEvent(order));
    }
}
