using Flipkart.Notification.Domain;
using Flipkart.Testing;

namespace Notification.Tests.Unit;

[Unit]
public class TrackedOrderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observe_AdvancesThroughSagaStatuses()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        Assert.True(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.True(order.Observe(OrderStatus.StockReserved, "u1", null, Now));
        Assert.True(order.Observe(OrderStatus.Paid, null, null, Now));
        Assert.True(order.Observe(OrderStatus.Confirmed, "u1", null, Now));

        Assert.Equal(OrderStatus.Confirmed, order.Status);
        Assert.Equal([OrderStatus.Submitted, OrderStatus.StockReserved, OrderStatus.Paid, OrderStatus.Confirmed], order.History.Select(h => h.Status));
        Assert.True(order.IsFinal);
    }

    [Fact]
    public void Observe_IgnoresDuplicatesAndStaleEvents()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Paid, "u1", null, Now);

        Assert.False(order.Observe(OrderStatus.Paid, "u1", null, Now));
        Assert.False(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.Single(order.History);
    }

    [Fact]
    public void Observe_MovesFromConfirmedToCancelled_WhenTheCustomerCancelsBeforeHandOver()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Confirmed, "u1", null, Now);

        Assert.True(order.Observe(OrderStatus.Cancelled, "u1", "CancelledByUser", Now.AddMinutes(5)));
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.True(OrderStages.IsEnd(order.Status));
    }

    [Fact]
    public void Observe_KeepsCancelled_AndTheFirstOfTheReturnsEndings()
    {
        var cancelled = TrackedOrder.New(Guid.NewGuid());
        cancelled.Observe(OrderStatus.Cancelled, "u1", "PaymentFailed", Now);
        Assert.False(cancelled.Observe(OrderStatus.Confirmed, "u1", null, Now));
        Assert.False(cancelled.Observe(OrderStatus.Shipped, "u1", null, Now));
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);

        var returned = TrackedOrder.New(Guid.NewGuid());
        returned.Observe(OrderStatus.ReturnRejected, "u1", "damaged", Now);
        Assert.False(returned.Observe(OrderStatus.Refunded, "u1", null, Now));
        Assert.Equal(OrderStatus.ReturnRejected, returned.Status);
    }

    [Fact]
    public void Observe_FollowsTheParcel_AndTheStoryEndsWhenTheReturnWindowCloses()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Confirmed, "u1", null, Now);

        Assert.True(order.Observe(OrderStatus.Shipped, "u1", null, Now.AddHours(1)));
        Assert.True(order.Observe(OrderStatus.Delivered, "u1", null, Now.AddDays(1), returnWindowEndsAt: Now.AddDays(8)));
        Assert.False(order.Observe(OrderStatus.OutForDelivery, "u1", null, Now.AddDays(1))); // overtaken by Delivered

        Assert.Equal((OrderStatus.Delivered, Now.AddDays(8)), (order.Status, order.ReturnWindowEndsAt));
        Assert.False(OrderStages.IsOver(order.Status, order.ReturnWindowEndsAt, Now.AddDays(7)));
        Assert.True(OrderStages.IsOver(order.Status, order.ReturnWindowEndsAt, Now.AddDays(8)));
    }

    [Fact]
    public void Observe_LearnsOwnerFromLaterEvent_WhenFirstEventNamedNone()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Paid, null, null, Now);

        Assert.True(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.Equal(("u1", OrderStatus.Paid), (order.UserId, order.Status));
    }

    [Fact]
    public void Fold_OrdersObservationsBySagaStatus_WhateverOrderTheyWereStoredIn()
    {
        var id = Guid.NewGuid();
        var order = StatusObservation.Fold(id,
        [
            new StatusObservation(id, OrderStatus.Cancelled, "u1", "ReservationExpired", Now.AddSeconds(3)),
            new StatusObservation(id, OrderStatus.Paid, null, null, Now.AddSeconds(2)),
            new StatusObservation(id, OrderStatus.Submitted, "u1", null, Now),
        ]);

        Assert.Equal((OrderStatus.Cancelled, "ReservationExpired", "u1"), (order!.Status, order.Reason, order.UserId));
        Assert.Equal([OrderStatus.Submitted, OrderStatus.Paid, OrderStatus.Cancelled], order.History.Select(h => h.Status));
    }

    [Fact]
    public void Fold_KeepsTheEarlierFinalStatus_WhenBothWereRecorded()
    {
        var id = Guid.NewGuid();
        var order = StatusObservation.Fold(id,
        [
            new StatusObservation(id, OrderStatus.Confirmed, "u1", null, Now.AddSeconds(5)),
            new StatusObservation(id, OrderStatus.Cancelled, "u1", "PaymentFailed", Now.AddSeconds(4)),
        ]);

        Assert.Equal(OrderStatus.Cancelled, order!.Status);
    }

    [Fact]
    public void Fold_IsNull_WhenNothingWasObserved() => Assert.Null(StatusObservation.Fold(Guid.NewGuid(), []));
}
