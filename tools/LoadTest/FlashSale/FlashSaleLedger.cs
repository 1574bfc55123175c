using System.Text.Json;

namespace Flipkart.LoadTest.FlashSale;

/// <summary>Stock of one product as inventory reports it (GET /api/inventory/{productId}).</summary>
public sealed record StockSnapshot(int Available, int Reserved, int Sold)
{
    public int Total => Available + Reserved + Sold;
}

/// <summary>Payment's record of an order (GET /api/payments/orders/{orderId}); null on the order when payment has none (404).</summary>
public sealed record PaymentRecord(string Status, IReadOnlyList<decimal> Charges, IReadOnlyList<decimal> Refunds);

/// <summary>One order as ordering reports it, with payment's record of it.</summary>
/// <param name="Outcome">How its checkout saga ended: <see cref="InvariantChecker.Confirmed"/>, <see cref="InvariantChecker.Cancelled"/>
/// (before confirmation) or still Pending (ordering's <c>outcome</c>).</param>
/// <param name="Notifications">The buyer's notifications about this order by kind (OrderConfirmed, OrderCancelled,
/// PaymentRefunded); null when they were not read.</param>
/// <param name="Status">Where the order is on its timeline (ordering's <c>status</c>: Confirmed, Packed, Shipped… Cancelled,
/// Refunded); null when not read.</param>
/// <param name="Workflow">Fulfilment's liveness verdict on its delivery and return workflows; read for confirmed orders, null otherwise.</param>
public sealed record OrderRecord(Guid OrderId, string Outcome, string? CancellationReason, decimal Total, int Quantity, PaymentRecord? Payment,
    IReadOnlyDictionary<string, int>? Notifications = null, string? Status = null, WorkflowVerdict? Workflow = null)
{
    /// <summary>Timeline statuses after which a confirmed order's money and units have gone back: cancelled before hand-over, or returned.</summary>
    public static readonly IReadOnlySet<string> GivenBackStatuses = new HashSet<string>(StringComparer.Ordinal) { "Cancelled", "Refunded" };

    /// <summary>Confirmed, then cancelled before hand-over or returned: refunded in full and restocked, so not sold.</summary>
    public bool GivenBack => Outcome == InvariantChecker.Confirmed && Status is { } s && GivenBackStatuses.Contains(s);

    /// <summary>The buyer owes nothing for it: cancelled before confirmation, or given back since.</summary>
    public bool OwesNothing => Outcome == InvariantChecker.Cancelled || GivenBack;

    /// <summary>Nothing left in flight for this order: final, its refunds made and every notification that is due delivered.</summary>
    public bool IsQuiet(bool notificationsRead) =>
        Outcome is InvariantChecker.Confirmed or InvariantChecker.Cancelled
        && (!OwesNothing || Payment is null || Payment.Refunds.Count >= Payment.Charges.Count)
        && (!notificationsRead || (Notifications is { } n
            && n.GetValueOrDefault(Outcome == InvariantChecker.Confirmed ? NotificationKinds.OrderConfirmed : NotificationKinds.OrderCancelled) >= 1
            && n.GetValueOrDefault(NotificationKinds.PaymentRefunded) >= (Payment?.Refunds.Count ?? 0)))
        // A workflow between two waits (packing, handing over) is still in flight; a stuck one is a finding, not waited out.
        && Workflow is not { State: WorkflowVerdict.Busy };
}

/// <summary>
/// Fulfilment's verdict on one order's workflows (GET /api/fulfilment/admin/workflows/{orderId}): Completed, Waiting on
/// a known event before its deadline, Busy between two waits within a grace, or Stuck, with the reason.
/// </summary>
public sealed record WorkflowVerdict(string State, string Reason, string? AwaitedEvent = null, DateTimeOffset? Deadline = null)
{
    public const string Busy = "Busy";

    /// <summary>Done, or waiting as it should: what "no workflow stuck" asks of every confirmed order.</summary>
    public bool Alive => State is "Completed" or "Waiting";

    /// <summary>Reads fulfilment's report (camelCase JSON, enums as strings).</summary>
    public static WorkflowVerdict FromJson(JsonElement report) => new(
        report.GetProperty("state").GetString() ?? "?",
        report.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString()! : "",
        report.TryGetProperty("awaitedEvent", out var awaited) && awaited.ValueKind == JsonValueKind.String ? awaited.GetString() : null,
        report.TryGetProperty("deadline", out var deadline) && deadline.ValueKind == JsonValueKind.String ? deadline.GetDateTimeOffset() : null);
}

/// <summary>The notification kinds notification reports (GET /api/notifications, <c>kind</c>).</summary>
public static class NotificationKinds
{
    public const string OrderConfirmed = "OrderConfirmed";
    public const string OrderCancelled = "OrderCancelled";
    public const string PaymentRefunded = "PaymentRefunded";
}

/// <summary>Every order ordering holds for one buyer (GET /api/orders as that buyer).</summary>
public sealed record BuyerRecord(string UserId, IReadOnlyList<OrderRecord> Orders);

/// <summary>
/// Everything the services say after a flash sale, gathered from their own APIs: stock before and after, and each
/// buyer's orders with their payments (and notifications). The checker judges only this, so a crafted ledger can
/// prove it catches faults.
/// </summary>
/// <param name="NotificationsRead">Each order carries the buyer's notifications about it; then they are checked too.</param>
/// <param name="WorkflowsRead">Each confirmed order carries fulfilment's verdict on its workflows; then "no workflow stuck" is checked too.</param>
public sealed record FlashSaleLedger(string ProductId, int Units, StockSnapshot Before, StockSnapshot After, IReadOnlyList<BuyerRecord> Buyers,
    bool NotificationsRead = false, bool WorkflowsRead = false);

public sealed record InvariantResult(string Name, bool Passed, string Detail);
