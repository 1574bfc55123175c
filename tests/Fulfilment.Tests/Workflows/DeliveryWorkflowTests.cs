using Flipkart.Fulfilment.Workflows;
using Flipkart.Fulfilment.Workflows.Activities;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Workflows;

/// <summary>Each path of the delivery workflow, played against a scripted history (activities, courier scans, timers).</summary>
[Unit]
public sealed class DeliveryWorkflowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.Parse("0b8f5e52-33f5-4c39-9e0d-6bbd26a43a7b");
    private static readonly TimeSpan Promise = TimeSpan.FromDays(3);
    private static readonly TimeSpan LostAfter = TimeSpan.FromDays(14);
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);
    private static readonly DeliveryInput Input = new(OrderId, T0 + Promise, T0 + Promise + LostAfter, Window, TimeSpan.FromDays(3));

    private static ScriptedWorkflowContext Warehouse(bool packed = true, bool handedOver = true, bool returnGotInFirst = false) =>
        new ScriptedWorkflowContext(T0, FulfilmentWorkflowIds.Delivery(OrderId))
            .OnActivity<Guid, bool>(nameof(PackOrderActivity), _ => packed)
            .OnActivity<Guid, bool>(nameof(HandToCourierActivity), _ => handedOver)
            .OnActivity<ScanInput, bool>(nameof(RecordScanActivity), _ => true)
            .OnActivity<Guid, bool>(nameof(ReportDelayActivity), _ => true)
            .OnActivity<Guid, bool>(nameof(MarkLostActivity), _ => true)
            .OnActivity<DeliveredInput, DateTimeOffset>(nameof(MarkDeliveredActivity), d => d.DeliveredAt + d.ReturnWindow)
            .OnActivity<Guid, bool>(nameof(CloseReturnWindowActivity), _ => returnGotInFirst)
            .OnChild<ReturnInput, ReturnOutcome>(nameof(ReturnWorkflow), _ => ReturnOutcome.Refunded);

    private static CourierScan Scan(string type, DateTimeOffset at) => new(type, at, $"evt-{type}");

    [Fact]
    public async Task A_delivered_parcel_holds_the_return_window_open_on_a_durable_timer_and_completes_when_it_closes()
    {
        var deliveredAt = T0.AddDays(2);
        var context = Warehouse()
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("shipped", T0.AddHours(5)), at: T0.AddHours(5))
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("out-for-delivery", deliveredAt.AddHours(-4)), at: deliveredAt.AddHours(-4))
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("delivered", deliveredAt), at: deliveredAt);

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Delivered, outcome);
        Assert.Equal(
        [
            nameof(PackOrderActivity), nameof(HandToCourierActivity),
            $"event {FulfilmentWorkflowIds.CourierScanEvent}", nameof(RecordScanActivity),
            $"event {FulfilmentWorkflowIds.CourierScanEvent}", nameof(RecordScanActivity),
            $"event {FulfilmentWorkflowIds.CourierScanEvent}", nameof(MarkDeliveredActivity),
            $"timeout {FulfilmentWorkflowIds.ReturnRequestedEvent} after {Window}", nameof(CloseReturnWindowActivity),
        ], context.Steps);
        Assert.Equal(new DeliveredInput(OrderId, deliveredAt, Window), context.ActivityCalls.Single(c => c.Name == nameof(MarkDeliveredActivity)).Input);
        Assert.Equal(deliveredAt + Window, context.Now);
        Assert.Empty(context.ChildCalls);
    }

    [Fact]
    public async Task A_cancel_that_wins_before_packing_ends_the_workflow_without_a_courier()
    {
        var context = Warehouse(packed: false);

        Assert.Equal(DeliveryOutcome.Cancelled, await new DeliveryWorkflow().RunAsync(context, Input));
        Assert.Equal([nameof(PackOrderActivity)], context.Steps);
    }

    [Fact]
    public async Task A_cancel_that_wins_the_race_with_the_hand_over_ends_the_workflow_before_any_wait()
    {
        var context = Warehouse(handedOver: false);

        Assert.Equal(DeliveryOutcome.Cancelled, await new DeliveryWorkflow().RunAsync(context, Input));
        Assert.Equal([nameof(PackOrderActivity), nameof(HandToCourierActivity)], context.Steps);
    }

    [Fact]
    public async Task A_missed_delivery_promise_tells_the_customer_once_and_the_parcel_is_still_delivered_later()
    {
        var context = Warehouse()
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("delivered", T0 + Promise + TimeSpan.FromDays(2)), at: T0 + Promise + TimeSpan.FromDays(2));

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Delivered, outcome);
        Assert.Single(context.Steps, s => s == nameof(ReportDelayActivity));
        Assert.Equal(
        [
            nameof(PackOrderActivity), nameof(HandToCourierActivity),
            $"timeout {FulfilmentWorkflowIds.CourierScanEvent} after {Promise}", nameof(ReportDelayActivity),
            $"event {FulfilmentWorkflowIds.CourierScanEvent}", nameof(MarkDeliveredActivity),
            $"timeout {FulfilmentWorkflowIds.ReturnRequestedEvent} after {Window}", nameof(CloseReturnWindowActivity),
        ], context.Steps);
    }

    [Fact]
    public async Task A_parcel_never_delivered_by_the_final_deadline_is_declared_lost_and_the_workflow_completes()
    {
        var context = Warehouse();

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Lost, outcome);
        Assert.Equal(
        [
            nameof(PackOrderActivity), nameof(HandToCourierActivity),
            $"timeout {FulfilmentWorkflowIds.CourierScanEvent} after {Promise}", nameof(ReportDelayActivity),
            $"timeout {FulfilmentWorkflowIds.CourierScanEvent} after {LostAfter}", nameof(MarkLostActivity),
        ], context.Steps);
        Assert.Equal(Input.LostBy, context.Now);
    }

    [Fact]
    public async Task A_return_requested_inside_the_window_runs_the_return_workflow_as_a_child_with_its_own_instance_id()
    {
        var context = Warehouse()
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("delivered", T0.AddDays(1)), at: T0.AddDays(1))
            .Raise(FulfilmentWorkflowIds.ReturnRequestedEvent, new ReturnRequest("too small", T0.AddDays(3)), at: T0.AddDays(3));

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Returned, outcome);
        var child = Assert.Single(context.ChildCalls);
        Assert.Equal((nameof(ReturnWorkflow), (object?)new ReturnInput(OrderId, Input.PickupDeadline), FulfilmentWorkflowIds.Return(OrderId)), child);
        Assert.DoesNotContain(nameof(CloseReturnWindowActivity), context.Steps);
    }

    [Fact]
    public async Task A_return_that_reached_the_record_as_the_window_timer_fired_is_still_run()
    {
        var context = Warehouse(returnGotInFirst: true)
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("delivered", T0.AddDays(1)), at: T0.AddDays(1));

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Returned, outcome);
        Assert.Equal([nameof(CloseReturnWindowActivity), $"child {nameof(ReturnWorkflow)}"], context.Steps[^2..]);
    }

    [Fact]
    public async Task A_delivered_scan_dated_long_ago_opens_no_window_wait_and_closes_the_window_at_once()
    {
        // The courier reported late: the window counted from the scan's own time has already passed.
        var context = Warehouse()
            .Raise(FulfilmentWorkflowIds.CourierScanEvent, Scan("delivered", T0 - Window - TimeSpan.FromDays(1)), at: T0.AddHours(1));

        var outcome = await new DeliveryWorkflow().RunAsync(context, Input);

        Assert.Equal(DeliveryOutcome.Delivered, outcome);
        Assert.Equal([nameof(MarkDeliveredActivity), nameof(CloseReturnWindowActivity)], context.Steps[^2..]);
    }
}
