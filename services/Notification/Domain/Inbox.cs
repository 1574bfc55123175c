using System.Text.Json.Serialization;

namespace Flipkart.Notification.Domain;

public enum NotificationKind
{
    OrderConfirmed,
    OrderCancelled,
    PaymentRefunded,

    // The parcel's steps (fulfilment's events), one notification each.
    OrderShipped,
    OutForDelivery,
    DeliveryDelayed,
    OrderDelivered,
    DeliveryLost,
    ReturnRequested,
    ReturnPickedUp,
    ReturnRefunded,
    ReturnRejected,
    ReturnLapsed,
}

/// <summary>A message sent to a user about an order; email and SMS are simulated.</summary>
public sealed record UserNotification(Guid OrderId, NotificationKind Kind, string Title, string Message, IReadOnlyList<string> Channels, DateTimeOffset CreatedAt)
{
    /// <summary>One notification per (order, kind): the id is the pair, so a redelivered event maps onto the same one.</summary>
    [JsonIgnore]
    public string Id => $"{OrderId:N}-{Kind}";
}

/// <summary>A user's notifications, newest last, bounded in count and age.</summary>
public sealed class Inbox
{
    public required string UserId { get; init; }
    public List<UserNotification> Notifications { get; init; } = [];

    public static Inbox Empty(string userId) => new() { UserId = userId };

    /// <summary>
    /// Adds unless this (order, kind) was already recorded; also drops entries past retention or capacity.
    /// <paramref name="deduplicate"/> false exists only for <see cref="InboxPolicy.AllowDuplicates"/>.
    /// </summary>
    public bool TryAdd(UserNotification notification, DateTimeOffset now, TimeSpan retention, int capacity, bool deduplicate = true)
    {
        if (deduplicate && Notifications.Exists(n => n.OrderId == notification.OrderId && n.Kind == notification.Kind))
        {
            return false;
        }

        Notifications.RemoveAll(n => n.CreatedAt < now - retention);
        Notifications.Add(notification);
        if (Notifications.Count > capacity)
        {
            Notifications.RemoveRange(0, Notifications.Count - capacity);
        }
        return true;
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<UserNotification> Page(int page, int pageSize, DateTimeOffset now, TimeSpan retention) =>
        [.. Notifications.Where(n => n.CreatedAt >= now - retention)
            .OrderByDescending(n => n.CreatedAt)
            .ThenByDescending(n => n.Kind)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)];

    public int Count(DateTimeOffset now, TimeSpan retention) => Notifications.Count(n => n.CreatedAt >= now - retention);
}
