using System.Globalization;
using Flipkart.Fulfilment.Workflows;

namespace Flipkart.Fulfilment.Domain;

/// <summary>A workflow instance's runtime status as the workflow engine reports it, free of the SDK's types.</summary>
public enum WorkflowRunStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
    Suspended,
    /// <summary>Anything else the engine may answer (canceled, stalled, unknown): never progress.</summary>
    Other,
}

/// <summary>One workflow instance as the engine reports it; <paramref name="Failure"/> is its failure details, if any.</summary>
public sealed record WorkflowRun(string InstanceId, WorkflowRunStatus Status, string? Failure = null);

public enum LivenessState
{
    /// <summary>The instance finished and the shipment is in a final stage.</summary>
    Completed,
    /// <summary>Waiting on a known external event whose deadline (a durable timer) has not passed by more than the grace.</summary>
    Waiting,
    /// <summary>Between two waits (an activity running or retrying, a start not yet taken up) for no longer than the grace.</summary>
    Busy,
    /// <summary>Failed, terminated or suspended; or busy, or waiting past its deadline, for longer than the grace; or missing.</summary>
    Stuck,
}

/// <summary>The verdict on one order's fulfilment workflows; what they await and until when, if they wait.</summary>
public sealed record LivenessVerdict(LivenessState State, string Reason, string? AwaitedEvent = null, DateTimeOffset? Deadline = null);

/// <summary>
/// "No workflow stuck", as a rule: every order's delivery (and its return) either completed, or waits on a known
/// event (a courier scan, a return request, a pickup) with a deadline that has not passed, or is between two such
/// waits for no longer than a grace. Read from the shipment record (the stage says what the workflow awaits, and
/// its deadlines) and the engine's runtime status of both instances. The grace covers an activity's retries and a
/// redelivered <c>OrderConfirmed</c>; a timer that should have fired by then, or a step that never comes, is stuck.
/// </summary>
public static class WorkflowLiveness
{
    private static readonly HashSet<ShipmentStage> FinalStages =
    [
        ShipmentStage.Completed, ShipmentStage.Refunded, ShipmentStage.ReturnRejected, ShipmentStage.ReturnLapsed, ShipmentStage.Cancelled, ShipmentStage.Lost,
    ];

    /// <param name="shipment">The order's shipment record; null when fulfilment has none.</param>
    /// <param name="delivery">The delivery instance (<c>delivery-&lt;orderId&gt;</c>); null when the engine has none.</param>
    /// <param name="return">The return instance (<c>return-&lt;orderId&gt;</c>); null when the engine has none.</param>
    /// <param name="lostBy">The delivery's final deadline (its input); null when unknown.</param>
    /// <param name="confirmedAt">When ordering confirmed the order: a missing shipment is measured from it (null: from now).</param>
    public static LivenessVerdict Classify(Shipment? shipment, WorkflowRun? delivery, WorkflowRun? @return, DateTimeOffset? lostBy,
        DateTimeOffset? confirmedAt, DateTimeOffset now, TimeSpan grace)
    {
        if (shipment is null)
        {
            return delivery is not null
                ? new(LivenessState.Stuck, $"delivery workflow {delivery.InstanceId} is {delivery.Status} but the order has no shipment record")
                : Busy("OrderConfirmed not handled yet: no shipment and no delivery workflow", confirmedAt ?? now, now, grace);
        }

        if ((Halted(delivery) ?? Halted(@return)) is { } halted)
        {
            return halted;
        }

        var stage = shipment.Stage;
        var since = shipment.History.Count > 0 ? shipment.History[^1].At : now;
        switch (delivery?.Status)
        {
            case null when stage == ShipmentStage.Cancelled:
                return new(LivenessState.Completed, "cancelled before the delivery started");
            case null when stage == ShipmentStage.Confirmed:
                return Busy("shipment recorded, delivery workflow not started yet", since, now, grace);
            case null:
                return new(LivenessState.Stuck, $"the shipment is {stage} but there is no delivery workflow");
            case WorkflowRunStatus.Completed:
                return FinalStages.Contains(stage)
                    ? new(LivenessState.Completed, $"delivery workflow completed; shipment {stage}")
                    : new(LivenessState.Stuck, $"delivery workflow completed but the shipment is still {stage}: nothing will move it on");
            case WorkflowRunStatus.Pending:
                return Busy("delivery workflow scheduled, not started yet", since, now, grace);
        }

        // The delivery instance runs: the record's stage says what it does now.
        switch (stage)
        {
            case ShipmentStage.Confirmed:
                return Busy("packing", since, now, grace);
            case ShipmentStage.Packed:
                return Busy("handing over to the courier", since, now, grace);
            case ShipmentStage.HandedOver when shipment.DelayReportedAt is null:
                // Past the promise the timer reports the delay; a promise long past with no report is a timer that never fired.
                return Awaiting(FulfilmentWorkflowIds.CourierScanEvent, shipment.PromisedBy, now, grace);
            case ShipmentStage.HandedOver:
                return lostBy is { } deadline
                    ? Awaiting(FulfilmentWorkflowIds.CourierScanEvent, deadline, now, grace)
                    : new(LivenessState.Stuck, "awaiting the courier's scan after the missed promise, and the final deadline is unknown");
            case ShipmentStage.Delivered:
                return shipment.ReturnWindowEndsAt is { } windowEnd
                    ? Awaiting(FulfilmentWorkflowIds.ReturnRequestedEvent, windowEnd, now, grace)
                    : new(LivenessState.Stuck, "delivered without a return window");
            case ShipmentStage.ReturnRequested when @return is { Status: WorkflowRunStatus.Running } && shipment.PickupBy is { } pickupBy:
                return Awaiting(FulfilmentWorkflowIds.PickupDoneEvent, pickupBy, now, grace);
            case ShipmentStage.ReturnRequested:
                return Busy(@return is null ? "starting the return workflow" : "booking the courier's pickup", since, now, grace);
            case ShipmentStage.PickedUp:
                return Busy("inspecting, refunding and restocking the return", since, now, grace);
            default:
                return Busy($"closing after {stage}", since, now, grace);
        }
    }

    private static LivenessVerdict? Halted(WorkflowRun? run) => run?.Status switch
    {
        WorkflowRunStatus.Failed or WorkflowRunStatus.Terminated or WorkflowRunStatus.Suspended or WorkflowRunStatus.Other =>
            new(LivenessState.Stuck, $"workflow {run.InstanceId} is {run.Status}{(run.Failure is { Length: > 0 } failure ? $": {failure}" : "")}"),
        _ => null,
    };

    private static LivenessVerdict Busy(string what, DateTimeOffset since, DateTimeOffset now, TimeSpan grace) =>
        now - since <= grace
            ? new(LivenessState.Busy, what)
            : new(LivenessState.Stuck, $"{what}, for {Describe(now - since)} (longer than the grace of {Describe(grace)})");

    private static LivenessVerdict Awaiting(string @event, DateTimeOffset deadline, DateTimeOffset now, TimeSpan grace) =>
        now - deadline <= grace
            ? new(LivenessState.Waiting, $"awaiting {@event} until {deadline:u}", @event, deadline)
            : new(LivenessState.Stuck, $"awaiting {@event} {Describe(now - deadline)} past its deadline {deadline:u}: its timer did not end the wait", @event, deadline);

    private static string Describe(TimeSpan span) => span.ToString(span.TotalDays >= 1 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
