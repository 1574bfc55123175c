using Flipkart.Fulfilment.Domain;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Domain;

[Unit]
public sealed class WorkflowLivenessTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);
    private static readonly DateTimeOffset PromisedBy = T0.AddDays(3);
    private static readonly DateTimeOffset LostBy = PromisedBy.AddDays(14);

    private static Shipment New() => Shipment.Create(Guid.NewGuid(), "user-1", 2099m, [new ShipmentLine("p1", 2)], PromisedBy, T0);

    private static Shipment HandedOver()
    {
        var shipment = New();
        shipment.Pack(T0);
        shipment.HandOver("FK1", T0.AddMinutes(1));
        return shipment;
    }

    private static Shipment Delivered()
    {
        var shipment = HandedOver();
        shipment.Deliver(T0.AddDays(2), TimeSpan.FromDays(7));
        return shipment;
    }

    private static Shipment ReturnRequested(bool pickupBooked)
    {
        var shipment = Delivered();
        shipment.RequestReturn("too small", T0.AddDays(3));
        if (pickupBooked)
        {
            shipment.SchedulePickup(T0.AddDays(6));
        }
        return shipment;
    }

    private static WorkflowRun Delivery(WorkflowRunStatus status, string? failure = null) => new("delivery-x", status, failure);

    private static WorkflowRun Return(WorkflowRunStatus status) => new("return-x", status);

    private static LivenessVerdict Classify(Shipment? shipment, WorkflowRun? delivery, DateTimeOffset now, WorkflowRun? @return = null, DateTimeOffset? confirmedAt = null) =>
        WorkflowLiveness.Classify(shipment, delivery, @return, LostBy, confirmedAt, now, Grace);

    [Fact]
    public void A_handed_over_parcel_waits_on_the_courier_scan_until_its_promise_then_until_its_final_deadline()
    {
        var shipment = HandedOver();

        var beforePromise = Classify(shipment, Delivery(WorkflowRunStatus.Running), T0.AddDays(1));
        Assert.Equal(LivenessState.Waiting, beforePromise.State);
        Assert.Equal("CourierScan", beforePromise.AwaitedEvent);
        Assert.Equal(PromisedBy, beforePromise.Deadline);

        shipment.ReportDelay(PromisedBy);
        var afterDelay = Classify(shipment, Delivery(WorkflowRunStatus.Running), PromisedBy.AddDays(1));
        Assert.Equal(LivenessState.Waiting, afterDelay.State);
        Assert.Equal(LostBy, afterDelay.Deadline);
    }

    [Fact]
    public void A_wait_past_its_deadline_is_allowed_the_grace_for_its_timer_and_is_stuck_after_it()
    {
        var shipment = HandedOver();

        Assert.Equal(LivenessState.Waiting, Classify(shipment, Delivery(WorkflowRunStatus.Running), PromisedBy + Grace).State);
        var stuck = Classify(shipment, Delivery(WorkflowRunStatus.Running), PromisedBy + Grace + TimeSpan.FromSeconds(1));

        Assert.Equal(LivenessState.Stuck, stuck.State);
        Assert.Contains("past its deadline", stuck.Reason);
    }

    [Fact]
    public void A_delivered_parcel_waits_on_a_return_request_until_its_window_closes()
    {
        var shipment = Delivered();

        var verdict = Classify(shipment, Delivery(WorkflowRunStatus.Running), T0.AddDays(4));

        Assert.Equal(LivenessState.Waiting, verdict.State);
        Assert.Equal("ReturnRequested", verdict.AwaitedEvent);
        Assert.Equal(shipment.ReturnWindowEndsAt, verdict.Deadline);
        Assert.Equal(LivenessState.Stuck, Classify(shipment, Delivery(WorkflowRunStatus.Running), shipment.ReturnWindowEndsAt!.Value + Grace + Grace).State);
    }

    [Fact]
    public void An_accepted_return_waits_on_the_pickup_until_its_deadline_once_the_pickup_is_booked()
    {
        var booked = ReturnRequested(pickupBooked: true);
        var verdict = Classify(booked, Delivery(WorkflowRunStatus.Running), T0.AddDays(4), Return(WorkflowRunStatus.Running));
        Assert.Equal(LivenessState.Waiting, verdict.State);
        Assert.Equal("PickupDone", verdict.AwaitedEvent);
        Assert.Equal(T0.AddDays(6), verdict.Deadline);

        var starting = ReturnRequested(pickupBooked: false);
        Assert.Equal(LivenessState.Busy, Classify(starting, Delivery(WorkflowRunStatus.Running), T0.AddDays(3).AddMinutes(1)).State);
        var neverStarted = Classify(starting, Delivery(WorkflowRunStatus.Running), T0.AddDays(3) + Grace + TimeSpan.FromMinutes(1));
        Assert.Equal(LivenessState.Stuck, neverStarted.State);
        Assert.Contains("starting the return workflow", neverStarted.Reason);
    }

    [Theory]
    [InlineData(WorkflowRunStatus.Failed)]
    [InlineData(WorkflowRunStatus.Terminated)]
    [InlineData(WorkflowRunStatus.Suspended)]
    [InlineData(WorkflowRunStatus.Other)]
    public void A_delivery_that_failed_was_terminated_or_suspended_is_stuck_whatever_the_shipment_says(WorkflowRunStatus status)
    {
        var verdict = Classify(HandedOver(), Delivery(status, "HttpRequestException: payment 409"), T0.AddDays(1));

        Assert.Equal(LivenessState.Stuck, verdict.State);
        Assert.Contains(status.ToString(), verdict.Reason);
        if (status == WorkflowRunStatus.Failed)
        {
            Assert.Contains("payment 409", verdict.Reason);
        }
    }

    [Fact]
    public void A_failed_return_is_stuck_even_while_its_delivery_still_runs()
    {
        var shipment = ReturnRequested(pickupBooked: true);
        shipment.PickUp(T0.AddDays(4));

        var verdict = Classify(shipment, Delivery(WorkflowRunStatus.Running), T0.AddDays(4), Return(WorkflowRunStatus.Failed));

        Assert.Equal(LivenessState.Stuck, verdict.State);
        Assert.Contains("return-x", verdict.Reason);
    }

    [Fact]
    public void Activities_between_two_waits_are_busy_within_the_grace_and_stuck_after_it()
    {
        var shipment = New();

        Assert.Equal(LivenessState.Busy, Classify(shipment, Delivery(WorkflowRunStatus.Running), T0 + Grace).State);
        var stuck = Classify(shipment, Delivery(WorkflowRunStatus.Running), T0 + Grace + TimeSpan.FromSeconds(1));
        Assert.Equal(LivenessState.Stuck, stuck.State);
        Assert.Contains("packing", stuck.Reason);

        var pickedUp = ReturnRequested(pickupBooked: true);
        pickedUp.PickUp(T0.AddDays(4));
        Assert.Equal(LivenessState.Busy, Classify(pickedUp, Delivery(WorkflowRunStatus.Running), T0.AddDays(4).AddMinutes(2), Return(WorkflowRunStatus.Running)).State);
    }

    [Fact]
    public void A_confirmed_order_without_shipment_or_workflow_is_busy_within_the_grace_from_its_confirmation_and_stuck_after_it()
    {
        Assert.Equal(LivenessState.Busy, Classify(null, null, T0.AddMinutes(5), confirmedAt: T0).State);

        var stuck = Classify(null, null, T0 + Grace + TimeSpan.FromMinutes(1), confirmedAt: T0);

        Assert.Equal(LivenessState.Stuck, stuck.State);
        Assert.Contains("no delivery workflow", stuck.Reason);
    }

    [Fact]
    public void A_shipment_past_confirmation_without_a_delivery_workflow_is_stuck_at_once()
    {
        var verdict = Classify(HandedOver(), null, T0.AddMinutes(2));

        Assert.Equal(LivenessState.Stuck, verdict.State);
        Assert.Contains("no delivery workflow", verdict.Reason);
        Assert.Equal(LivenessState.Busy, Classify(New(), null, T0.AddMinutes(2)).State);
    }

    [Fact]
    public void A_completed_delivery_is_done_only_when_its_shipment_is_final()
    {
        var closed = Delivered();
        closed.CloseReturnWindow(T0.AddDays(9));
        Assert.Equal(LivenessState.Completed, Classify(closed, Delivery(WorkflowRunStatus.Completed), T0.AddDays(9)).State);

        var orphaned = Classify(HandedOver(), Delivery(WorkflowRunStatus.Completed), T0.AddDays(1));
        Assert.Equal(LivenessState.Stuck, orphaned.State);
        Assert.Contains("still HandedOver", orphaned.Reason);
    }

    [Fact]
    public void An_order_cancelled_before_fulfilment_started_its_delivery_is_complete_without_a_workflow()
    {
        var verdict = Classify(Shipment.CancelledBeforeConfirmation(Guid.NewGuid(), "user-1", T0), null, T0.AddDays(1));

        Assert.Equal(LivenessState.Completed, verdict.State);
    }

    [Fact]
    public void Past_the_promise_without_the_final_deadline_known_a_wait_is_stuck()
    {
        var shipment = HandedOver();
        shipment.ReportDelay(PromisedBy);

        var verdict = WorkflowLiveness.Classify(shipment, Delivery(WorkflowRunStatus.Running), null, lostBy: null, confirmedAt: null, PromisedBy.AddHours(1), Grace);

        Assert.Equal(LivenessState.Stuck, verdict.State);
    }
}
