using Dapr.Workflow;
using Flipkart.Fulfilment.Workflows.Activities;

namespace Flipkart.Fulfilment.Workflows;

/// <summary>
/// One accepted return: schedule the courier's pickup, wait for the pickup-done scan under its deadline (past it the
/// return lapses and the customer is told), inspect, then refund through payment and restock through inventory, each
/// exactly once (both are idempotent by order id, so a retried activity or a replay cannot pay or restock twice), or
/// close the return as rejected with the inspector's reason.
/// </summary>
public sealed class ReturnWorkflow : Workflow<ReturnInput, ReturnOutcome>
{
    public override async Task<ReturnOutcome> RunAsync(WorkflowContext context, ReturnInput input)
    {
        var orderId = input.OrderId;
        var pickupBy = context.UtcNow() + input.PickupDeadline;
        await context.CallActivityAsync<bool>(nameof(SchedulePickupActivity), new PickupInput(orderId, pickupBy), ActivityRetry.Policy);

        try
        {
            await context.WaitForExternalEventAsync<CourierScan>(FulfilmentWorkflowIds.PickupDoneEvent, input.PickupDeadline);
        }
        catch (TaskCanceledException)
        {
            await context.CallActivityAsync<bool>(nameof(CloseReturnActivity),
                new ReturnClosure(orderId, ReturnOutcome.Lapsed, "the courier did not collect the parcel in time"), ActivityRetry.Policy);
            return ReturnOutcome.Lapsed;
        }
        await context.CallActivityAsync<bool>(nameof(MarkPickedUpActivity), orderId, ActivityRetry.Policy);

        var inspection = await context.CallActivityAsync<Inspection>(nameof(InspectReturnActivity), orderId, ActivityRetry.Policy);
        if (!inspection.Accepted)
        {
            await context.CallActivityAsync<bool>(nameof(CloseReturnActivity),
                new ReturnClosure(orderId, ReturnOutcome.Rejected, inspection.Reason), ActivityRetry.Policy);
            return ReturnOutcome.Rejected;
        }

        var refund = await context.CallActivityAsync<Refund>(nameof(RefundReturnActivity), orderId, ActivityRetry.Policy);
        var units = await context.CallActivityAsync<int>(nameof(RestockReturnActivity), orderId, ActivityRetry.Policy);
        await context.CallActivityAsync<bool>(nameof(CloseReturnActivity),
            new ReturnClosure(orderId, ReturnOutcome.Refunded, inspection.Reason, refund.Amount, refund.RefundId, units), ActivityRetry.Policy);
        return ReturnOutcome.Refunded;
    }
}
