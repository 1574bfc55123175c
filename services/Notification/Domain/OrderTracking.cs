using System.Text.Json.Serialization;

namespace Flipkart.Notification.Domain;

/// <summary>Order statuses in saga order; a later status never gives way to an earlier one (events may arrive reordered).</summary>
public enum OrderStatus
{
    Submitted = 0,
    StockReserved = 1,
    Paid = 2,
    Confirmed = 3,
    Cancelled = 4,
}

/// <summary>What notification knows of an order: its owner (learnt from the events) and its latest status.</summary>
public sealed class TrackedOrder
{
    public required Guid OrderId { get; init; }
    public string? UserId { get; set; }
    public OrderStatus Status { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<StatusChange> History { get; init; } = [];

    [JsonIgnore]
    public bool IsFinal => Status is OrderStatus.Confirmed or OrderStatus.Cancelled;

    public static TrackedOrder New(Guid orderId) => new() { OrderId = orderId, Status = OrderStatus.Submitted };

    /// <summary>
    /// Folds one observation in. Returns true when something changed (owner learnt or status advanced), false
    /// for duplicates and for stale events that arrive after a later status.
    /// </summary>
    public bool Observe(OrderStatus status, string? userId, string? reason, DateTimeOffset at)
    {
        var changed = false;
        if (UserId is null && !string.IsNullOrEmpty(userId))
        {
            UserId = userId;
            changed = true;
        }

        var first = History.Count == 0;
        if (first || (!IsFinal && status > Status))
        {
            // Confirmed and Cancelled are both final; whichever arrived first stands.
            Status = status;
            Reason = reason;
            UpdatedAt = at;
            History.Add(new StatusChange(status, reason, at));
            changed = true;
        }
        return changed;
    }
}

public sealed record StatusChange(OrderStatus Status, string? Reason, DateTimeOffset At);

/// <summary>
/// One event's news about an order, stored under its own (order, status) key: every status has exactly one event
/// that reports it, so concurrent and duplicate deliveries write the same record and never contend.
/// </summary>
public sealed record StatusObservation(Guid OrderId, OrderStatus Status, string? UserId, string? Reason, DateTimeOffset At)
{
    /// <summary>
    /// Folds an order's observations, whatever order they were stored in, into what the order looks like: statuses
    /// in saga order, and of the two final ones (which a correct saga never both reports) the earlier stands.
    /// </summary>
    public static TrackedOrder? Fold(Guid orderId, IEnumerable<StatusObservation> observations)
    {
        var ordered = observations
            .OrderBy(o => o.Status is OrderStatus.Confirmed or OrderStatus.Cancelled ? 1 : 0)
            .ThenBy(o => o.Status is OrderStatus.Confirmed or OrderStatus.Cancelled ? o.At : DateTimeOffset.MinValue)
            .ThenBy(o => o.Status)
            .ToList();
        if (ordered.Count == 0)
        {
            return null;
        }

        var order = TrackedOrder.New(orderId);
        foreach (var observation in ordered)
        {
            order.Observe(observation.Status, observation.UserId, observation.Reason, observation.At);
        }
        return order;
    }
}
