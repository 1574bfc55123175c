using Dapr.Workflow;
using Flipkart.Fulfilment.Workflows.Activities;

namespace Flipkart.Fulfilment.Workflows;

/// <summary>
/// One order from the warehouse to the end of its return window: pack, hand to the courier, wait for the delivered
/// scan under the delivery promise (past it: tell the customer once, keep waiting until the final deadline, then
/// declare the parcel lost), then hold the return window open on a durable timer. A return request inside the window
/// runs the <see cref="ReturnWorkflow"/> as a child. The workflow decides nothing the shipment record has not
/// accepted: a cancel that won the race against hand-over ends it, and so does the window closing first.
/// </summary>
public sealed class DeliveryWorkflow : Workflow<DeliveryInput, DeliveryOutcome>
{
    public override async Task<DeliveryOutcome> RunAsync(WorkflowContext context, DeliveryInput input)
    {
        var orderId = input.OrderId;
        if (!await context.CallActivityAsync<bool>(nameof(PackOrderActivity), orderId, ActivityRetry.Policy)
            || !await context.CallActivityAsync<bool>(nameof(HandToCourierActivity), orderId, ActivityRetry.Policy))
        {
            return DeliveryOutcome.Cancelled;
        }

        if (await WaitForDeliveryAsync(context, input) is not { } delivered)
        {
            await context.CallActivityAsync<bool>(nameof(MarkLostActivity), orderId, ActivityRetry.Policy);
            return DeliveryOutcome.Lost;
        }
        var windowEndsAt = await context.CallActivityAsync<DateTimeOffset>(
            nameof(MarkDeliveredActivity), new DeliveredInput(orderId, delivered.OccurredAt, input.ReturnWindow), ActivityRetry.Policy);

        if (!await WaitForReturnRequestAsync(context, windowEndsAt)
            // The window's timer fired: the record closes it, unless a return request reached the record first.
            && !await context.CallActivityAsync<bool>(nameof(CloseReturnWindowActivity), orderId, ActivityRetry.Policy))
        {
            return DeliveryOutcome.Delivered;
        }

        await context.CallChildWorkflowAsync<ReturnOutcome>(
            nameof(ReturnWorkflow), new ReturnInput(orderId, input.PickupDeadline), new ChildWorkflowTaskOptions(FulfilmentWorkflowIds.Return(orderId)));
        return DeliveryOutcome.Returned;
    }

    /// <summary>The delivered scan, or null when the final deadline passed without one.</summary>
    private static async Task<CourierScan?> WaitForDeliveryAsync(WorkflowContext context, DeliveryInput input)
    {
        var promiseMissed = false;
        while (true)
        {
            var remaining = (promiseMissed ? input.LostBy : input.PromisedBy) - context.UtcNow();
            CourierScan? scan = null;
            if (remaining > TimeSpan.Zero)
            {
                try
                {
                    scan = await context.WaitForExternalEventAsync<CourierScan>(FulfilmentWorkflowIds.CourierScanEvent, remaining);
                }
                catch (TaskCanceledException)
                {
                }
            }

            switch (scan)
            {
                case null when promiseMissed:
                    return null;
                case null:
                    promiseMissed = true;
                    await context.CallActivityAsync<bool>(nameof(ReportDelayActivity), input.OrderId, ActivityRetry.Policy);
                    break;
                case { Type: Domain.CourierScans.Delivered }:
                    return scan;
                default:
                    await context.CallActivityAsync<bool>(nameof(RecordScanActivity), new ScanInput(input.OrderId, scan.Type, scan.OccurredAt), ActivityRetry.Policy);
                    break;
            }
        }
    }

    private static async Task<bool> WaitForReturnRequestAsync(WorkflowContext context, DateTimeOffset windowEndsAt)
    {
        var remaining = windowEndsAt - context.UtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }
        try
        {
            await context.WaitForExternalEventAsync<ReturnRequest>(FulfilmentWorkflowIds.ReturnRequestedEvent, remaining);
            return true;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}

/// <summary>How activities are retried: they talk to stores, the broker and other services, which fail for a while.</summary>
public static class ActivityRetry
{
    public static readonly WorkflowTaskOptions Policy = new(new WorkflowRetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));
}
