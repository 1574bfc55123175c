using Flipkart.Fulfilment.Domain;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Domain;

[Unit]
public sealed class ShipmentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    private static Shipment New() => Shipment.Create(Guid.NewGuid(), "user-1", 2099m, [new ShipmentLine("p1", 2)], T0.AddDays(3), T0);

    private static Shipment HandedOver()
    {
        var shipment = New();
        shipment.Pack(T0);
        shipment.HandOver(TrackingNumbers.For(shipment.OrderId), T0.AddHours(1));
        return shipment;
    }

    private static Shipment Delivered()
    {
        var shipment = HandedOver();
        shipment.Deliver(T0.AddDays(2), Window);
        return shipment;
    }

    [Fact]
    public void A_customer_can_cancel_until_hand_over_and_a_second_cancel_changes_nothing()
    {
        var confirmed = New();
        Assert.True(confirmed.Cancel(T0));
        Assert.False(confirmed.Cancel(T0));
        Assert.Equal(ShipmentStage.Cancelled, confirmed.Stage);

        var packed = New();
        packed.Pack(T0);
        Assert.True(packed.Cancel(T0));
    }

    [Fact]
    public void A_cancel_after_hand_over_is_refused_with_the_tracking_number_and_the_parcel_stays_with_the_courier()
    {
        var shipment = HandedOver();

        var refused = Assert.Throws<ShipmentConflictException>(() => shipment.Cancel(T0.AddHours(2)));

        Assert.Equal(ShipmentConflictException.AlreadyHandedOver, refused.Kind);
        Assert.Contains(shipment.TrackingNumber!, refused.Message);
        Assert.Equal(ShipmentStage.HandedOver, shipment.Stage);
    }

    [Fact]
    public void The_warehouse_neither_packs_nor_hands_over_a_cancelled_parcel()
    {
        var shipment = New();
        shipment.Cancel(T0);

        Assert.False(shipment.Pack(T0));
        Assert.False(shipment.HandOver("FK1", T0));
        Assert.Equal(ShipmentStage.Cancelled, shipment.Stage);
        Assert.Null(shipment.TrackingNumber);
    }

    [Fact]
    public void Each_step_moves_once_so_a_retried_activity_changes_nothing()
    {
        var shipment = New();
        Assert.True(shipment.Pack(T0));
        Assert.False(shipment.Pack(T0));
        Assert.True(shipment.HandOver("FK1", T0));
        Assert.False(shipment.HandOver("FK2", T0));
        Assert.Equal("FK1", shipment.TrackingNumber);
        Assert.True(shipment.Deliver(T0.AddDays(1), Window));
        Assert.False(shipment.Deliver(T0.AddDays(2), Window));
        Assert.Equal(T0.AddDays(1) + Window, shipment.ReturnWindowEndsAt);
        Assert.Equal([ShipmentStage.Confirmed, ShipmentStage.Packed, ShipmentStage.HandedOver, ShipmentStage.Delivered], shipment.History.Select(h => h.Stage));
    }

    [Fact]
    public void A_missed_promise_is_reported_once()
    {
        var shipment = HandedOver();

        Assert.True(shipment.ReportDelay(T0.AddDays(3)));
        Assert.False(shipment.ReportDelay(T0.AddDays(4)));
        Assert.Equal(T0.AddDays(3), shipment.DelayReportedAt);
    }

    [Fact]
    public void A_return_is_accepted_once_inside_the_window()
    {
        var shipment = Delivered();

        shipment.RequestReturn("too small", shipment.ReturnWindowEndsAt!.Value.AddSeconds(-1));

        Assert.Equal(ShipmentStage.ReturnRequested, shipment.Stage);
        Assert.Equal("too small", shipment.ReturnReason);
        var again = Assert.Throws<ShipmentConflictException>(() => shipment.RequestReturn("again", T0.AddDays(3)));
        Assert.Equal(ShipmentConflictException.ReturnAlreadyRequested, again.Kind);
    }

    [Fact]
    public void A_return_is_refused_before_delivery_after_the_window_and_for_a_cancelled_order()
    {
        Assert.Equal(ShipmentConflictException.NotDelivered,
            Assert.Throws<ShipmentConflictException>(() => HandedOver().RequestReturn("r", T0.AddDays(1))).Kind);

        var late = Delivered();
        Assert.Equal(ShipmentConflictException.ReturnWindowClosed,
            Assert.Throws<ShipmentConflictException>(() => late.RequestReturn("r", late.ReturnWindowEndsAt!.Value)).Kind);

        var closed = Delivered();
        closed.CloseReturnWindow(closed.ReturnWindowEndsAt!.Value);
        Assert.Equal(ShipmentConflictException.ReturnWindowClosed,
            Assert.Throws<ShipmentConflictException>(() => closed.RequestReturn("r", T0.AddDays(3))).Kind);

        var cancelled = New();
        cancelled.Cancel(T0);
        Assert.Equal(ShipmentConflictException.OrderCancelled,
            Assert.Throws<ShipmentConflictException>(() => cancelled.RequestReturn("r", T0)).Kind);
    }

    [Fact]
    public void The_window_does_not_close_over_a_return_that_got_in_first()
    {
        var shipment = Delivered();
        shipment.RequestReturn("wrong colour", T0.AddDays(8));

        Assert.False(shipment.CloseReturnWindow(shipment.ReturnWindowEndsAt!.Value));
        Assert.Equal(ShipmentStage.ReturnRequested, shipment.Stage);
    }

    [Fact]
    public void A_return_ends_exactly_once_as_refunded_or_rejected_and_only_after_pickup()
    {
        var shipment = Delivered();
        shipment.RequestReturn("too big", T0.AddDays(3));
        Assert.False(shipment.Refund(T0.AddDays(4), "early"));

        Assert.True(shipment.PickUp(T0.AddDays(4)));
        Assert.True(shipment.Refund(T0.AddDays(5), "refunded 2099"));
        Assert.False(shipment.Refund(T0.AddDays(5), "twice"));
        Assert.False(shipment.RejectReturn(T0.AddDays(5), "too late"));
        Assert.Equal(ShipmentStage.Refunded, shipment.Stage);
        Assert.Equal("refunded 2099", shipment.Outcome);
    }

    [Fact]
    public void A_return_not_picked_up_lapses_and_a_late_pickup_changes_nothing()
    {
        var shipment = Delivered();
        shipment.RequestReturn("too big", T0.AddDays(3));

        Assert.True(shipment.LapseReturn(T0.AddDays(6)));
        Assert.False(shipment.PickUp(T0.AddDays(7)));
        Assert.Equal(ShipmentStage.ReturnLapsed, shipment.Stage);
    }
}
