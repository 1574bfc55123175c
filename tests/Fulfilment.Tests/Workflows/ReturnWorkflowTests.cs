using Flipkart.Fulfilment.Workflows;
using Flipkart.Fulfilment.Workflows.Activities;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Workflows;

/// <summary>Each path of the return workflow, played against a scripted history.</summary>
[Unit]
public sealed class ReturnWorkflowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid OrderId = Guid.Parse("5a0e3a8e-c3b4-4a4e-bb4b-1c0f4b3b6a10");
    private static readonly TimeSpan PickupDeadline = TimeSpan.FromDays(3);

    private static ScriptedWorkflowContext Warehouse(bool accepted) =>
        new ScriptedWorkflowContext(T0, FulfilmentWorkflowIds.Return(OrderId))
            .OnActivity<PickupInput, bool>(nameof(SchedulePickupActivity), _ => true)
            .OnActivity<Guid, bool>(nameof(MarkPickedUpActivity), _ => true)
            .OnActivity<Guid, Inspection>(nameof(InspectReturnActivity), _ => accepted ? new Inspection(true, "fine") : new Inspection(false, "damaged"))
            .OnActivity<Guid, Refund>(nameof(RefundReturnActivity), _ => new Refund(2099m, "rf-1"))
            .OnActivity<Guid, int>(nameof(RestockReturnActivity), _ => 3)
            .OnActivity<ReturnClosure, bool>(nameof(CloseReturnActivity), _ => true);

    private static CourierScan PickupDone => new("pickup-done", T0.AddDays(1), "evt-pickup");

    [Fact]
    public async Task A_return_picked_up_and_passing_inspection_is_refunded_and_restocked_once_each_then_closed()
    {
        var context = Warehouse(accepted: true).Raise(FulfilmentWorkflowIds.PickupDoneEvent, PickupDone, at: T0.AddDays(1));

        var outcome = await new ReturnWorkflow().RunAsync(context, new ReturnInput(OrderId, PickupDeadline));

        Assert.Equal(ReturnOutcome.Refunded, outcome);
        Assert.Equal(
        [
            nameof(SchedulePickupActivity), $"event {FulfilmentWorkflowIds.PickupDoneEvent}", nameof(MarkPickedUpActivity), nameof(InspectReturnActivity),
            nameof(RefundReturnActivity), nameof(RestockReturnActivity), nameof(CloseReturnActivity),
        ], context.Steps);
        Assert.Equal(new PickupInput(OrderId, T0 + PickupDeadline), context.ActivityCalls[0].Input);
        Assert.Equal(new ReturnClosure(OrderId, ReturnOutcome.Refunded, "fine", 2099m, "rf-1", 3), context.ActivityCalls[^1].Input);
    }

    [Fact]
    public async Task A_return_failing_inspection_is_closed_as_rejected_with_the_reason_and_nothing_is_refunded_or_restocked()
    {
        var context = Warehouse(accepted: false).Raise(FulfilmentWorkflowIds.PickupDoneEvent, PickupDone, at: T0.AddHours(3));

        var outcome = await new ReturnWorkflow().RunAsync(context, new ReturnInput(OrderId, PickupDeadline));

        Assert.Equal(ReturnOutcome.Rejected, outcome);
        Assert.DoesNotContain(nameof(RefundReturnActivity), context.Steps);
        Assert.DoesNotContain(nameof(RestockReturnActivity), context.Steps);
        Assert.Equal(new ReturnClosure(OrderId, ReturnOutcome.Rejected, "damaged"), context.ActivityCalls[^1].Input);
    }

    [Fact]
    public async Task A_return_the_courier_never_collects_lapses_at_the_pickup_deadline_and_the_customer_is_told()
    {
        var context = Warehouse(accepted: true);

        var outcome = await new ReturnWorkflow().RunAsync(context, new ReturnInput(OrderId, PickupDeadline));

        Assert.Equal(ReturnOutcome.Lapsed, outcome);
        Assert.Equal([nameof(SchedulePickupActivity), $"timeout {FulfilmentWorkflowIds.PickupDoneEvent} after {PickupDeadline}", nameof(CloseReturnActivity)], context.Steps);
        Assert.Equal(ReturnOutcome.Lapsed, ((ReturnClosure)context.ActivityCalls[^1].Input!).Outcome);
        Assert.Equal(T0 + PickupDeadline, context.Now);
    }
}
