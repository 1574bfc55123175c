using System.Text.Json.Serialization;

namespace Flipkart.Notification.Domain;

/// <summary>
/// An order's statuses: the checkout saga's, then the parcel's as fulfilment reports them. The values name stored keys
/// and never change; the order along the way is <see cref="OrderStages.Rank"/>'s.
/// </summary>
public enum OrderStatus
{
    Submitted = 0,
    StockReserved = 1,
    Paid = 2,
    Confirmed = 3,
    Cancelled = 4,
    Shipped = 5,
    OutForDelivery = 6,
    Delivered = 7,
    ReturnRequested = 8,
    PickedUp = 9,
    Refunded = 10,
    ReturnRejected = 11,
    ReturnLapsed = 12,
    Lost = 13,
}

/// <summary>Where each status lies on an order's way, and where the way ends. Events may arrive reordered: a status only gives way to a later one.</summary>
public static class OrderStages
{
    /// <summary>The status's place; statuses of equal rank are alternative endings (the first one recorded stands).</summary>
    public static int Rank(OrderStatus status) => status switch
    {
        OrderStatus.Submitted => 0,
        OrderStatus.StockReserved => 1,
        OrderStatus.Paid => 2,
        OrderStatus.Confirmed => 3,
        // The saga's other ending, or a customer's cancel after confirmation and before hand-over: after Confirmed either way.
        OrderStatus.Cancelled => 4,
        OrderStatus.Shipped => 5,
        OrderStatus.OutForDelivery => 6,
        OrderStatus.Delivered or OrderStatus.Lost => 7,
        OrderStatus.ReturnRequested => 8,
        OrderStatus.PickedUp => 9,
        _ => 10, // the return's end: Refunded, ReturnRejected, ReturnLapsed
    };

    /// <summary>Nothing can follow: cancelled, lost, or the return's end (a delivered order also ends when its return window closes).</summary>
    public static bool IsEnd(OrderStatus status) =>
        status is OrderStatus.Cancelled or OrderStatus.Lost or OrderStatus.Refunded or OrderStatus.ReturnRejected or OrderStatus.ReturnLapsed;

    /// <summary>The order's story is over at <paramref name="now"/>: an end, or delivered with the return window closed.</summary>
    public static bool IsOver(OrderStatus status, DateTimeOffset? returnWindowEndsAt, DateTimeOffset now) =>
        IsEnd(status) || (status == OrderStatus.Delivered && returnWindowEndsAt is { } end && now >= end);
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

    /// <summary>Until when the delivered order may be returned (from its Delivered observation).</summary>
    public DateTimeOffset? ReturnWindowEndsAt { get; set; }

    /// <summary>The checkout saga is over (confirmed or cancelled), whatever the parcel has done since.</summary>
    [JsonIgnore]
    public bool IsFinal => OrderStages.Rank(Status) >= OrderStages.Rank(OrderStatus.Confirmed);

    public static TrackedOrder New(Guid orderId) => new() { OrderId = orderId, Status = OrderStatus.Submitted };

    /// <summary>
    /// Folds one observation in. Returns true when something changed (owner learnt or status advanced), false
    /// for duplicates and for stale events that arrive after a later status.
    /// </summary>
    public bool Observe(OrderStatus status, string? userId, string? reason, DateTimeOffset at, DateTimeOffset? returnWindowEndsAt = null)
    {
        var changed = false;
        if (UserId is null && !string.IsNullOrEmpty(userId))
        {
            UserId = userId;
            changed = true;
        }

        var first = History.Count == 0;
        if (first || (!OrderStages.IsEnd(Status) && OrderStages.Rank(status) > OrderStages.Rank(Status)))
        {
            Status = status;
            Reason = reason;
            UpdatedAt = at;
            ReturnWindowEndsAt = status == OrderStatus.Delivered ? returnWindowEndsAt : ReturnWindowEndsAt;
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
/// <param name="ReturnWindowEndsAt">On a Delivered observation: until when the order may be returned.</param>
public sealed record StatusObservation(Guid OrderId, OrderStatus Status, string? UserId, string? Reason, DateTimeOffset At, DateTimeOffset? ReturnWindowEndsAt = null)
{
    /// <summary>
    /// Folds an order's observations, whatever order they were stored in, into what the order looks like: statuses
    /// in the order of the way (<see cref="OrderStages.Rank"/>), and of alternative endings the earlier stands.
    /// </summary>
    public static TrackedOrder? Fold(Guid orderId, IEnumerable<StatusObservation> observations)
    {
        var ordered = observations
            .OrderBy(o => OrderStages.Rank(o.Status))
            .ThenBy(o => o.At)
            .ToList();
        if (ordered.Count == 0)
        {
            return null;
        }

        var order = TrackedOrder.New(orderId);
        foreach (var observation in ordered)
        {
            order.Observe(observation.Status, observation.UserId, observation.Reason, observation.At, observation.ReturnWindowEndsAt);
        }
        return order;
    }
}
