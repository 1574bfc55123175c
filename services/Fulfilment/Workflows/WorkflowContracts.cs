using Dapr.Workflow;

namespace Flipkart.Fulfilment.Workflows;

public static class WorkflowClock
{
    /// <summary>
    /// The replay-safe time as an offset. The context's time is UTC; said explicitly, because the implicit
    /// DateTime → DateTimeOffset conversion would read an unspecified kind as the machine's local time.
    /// </summary>
    public static DateTimeOffset UtcNow(this WorkflowContext context) =>
        new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc), TimeSpan.Zero);
}

/// <summary>Instance ids and external event names: one delivery and at most one return per order.</summary>
public static class FulfilmentWorkflowIds
{
    public static string Delivery(Guid orderId) => $"delivery-{orderId:N}";

    public static string Return(Guid orderId) => $"return-{orderId:N}";

    /// <summary>Raised on the delivery workflow by the courier webhook (shipped, out-for-delivery, delivered).</summary>
    public const string CourierScanEvent = "CourierScan";

    /// <summary>Raised on the delivery workflow when the customer's return was accepted.</summary>
    public const string ReturnRequestedEvent = "ReturnRequested";

    /// <summary>Raised on the return workflow by the courier webhook (pickup-done).</summary>
    public const string PickupDoneEvent = "PickupDone";
}

/// <summary>
/// A delivery's deadlines, fixed when it starts (from <see cref="FulfilmentOptions"/>): replays of a running instance
/// always see the same ones.
/// </summary>
public sealed record DeliveryInput(Guid OrderId, DateTimeOffset PromisedBy, DateTimeOffset LostBy, TimeSpan ReturnWindow, TimeSpan PickupDeadline);

public sealed record ReturnInput(Guid OrderId, TimeSpan PickupDeadline);

/// <summary>A courier scan as the webhook raised it.</summary>
public sealed record CourierScan(string Type, DateTimeOffset OccurredAt, string EventId);

public sealed record ReturnRequest(string Reason, DateTimeOffset RequestedAt);

public enum DeliveryOutcome
{
    /// <summary>Cancelled by its customer before hand-over.</summary>
    Cancelled,
    /// <summary>Delivered; the return window closed without a return.</summary>
    Delivered,
    /// <summary>Delivered, then returned (the return workflow's outcome says how it ended).</summary>
    Returned,
    Lost,
}

public enum ReturnOutcome
{
    Refunded,
    Rejected,
    Lapsed,
}

// Activity inputs and results.

public sealed record DeliveredInput(Guid OrderId, DateTimeOffset DeliveredAt, TimeSpan ReturnWindow);

public sealed record ScanInput(Guid OrderId, string Scan, DateTimeOffset OccurredAt);

public sealed record PickupInput(Guid OrderId, DateTimeOffset PickupBy);

public sealed record Inspection(bool Accepted, string Reason);

public sealed record Refund(decimal Amount, string RefundId);

public sealed record ReturnClosure(Guid OrderId, ReturnOutcome Outcome, string Detail, decimal Amount = 0, string? RefundId = null, int UnitsRestocked = 0);
