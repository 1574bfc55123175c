using System.Globalization;
using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.IntegrationEvents.EventHandling;

/// <summary>The two things every handler does: track an order's status, and notify its owner once per (order, kind).</summary>
public sealed class OrderActivity(
    NotificationStore store, OrderStatusSignals signals, InboxPolicy policy, IOptionsMonitor<NotificationOptions> options, TimeProvider time, ILogger<OrderActivity> logger)
{
    private static readonly string[] Channels = ["email", "sms"];

    public async Task TrackAsync(Guid orderId, OrderStatus status, string? userId, string? reason, DateTimeOffset occurredAt, CancellationToken cancellationToken,
        DateTimeOffset? returnWindowEndsAt = null)
    {
        var at = occurredAt == default ? time.GetUtcNow() : occurredAt;
        var observation = new StatusObservation(orderId, status, userId, reason, at, returnWindowEndsAt);
        await store.RecordStatusAsync(observation, cancellationToken);
        // Handed to this replica's open streams only once stored. They send only a status that moved forward, so a
        // duplicate delivery handing it over twice is harmless.
        signals.Notify(observation);
    }

    /// <summary>Records the notification and "sends" it, unless this (order, kind) was already recorded.</summary>
    public async Task NotifyAsync(string? eventUserId, Guid orderId, NotificationKind kind, string title, string message, CancellationToken cancellationToken)
    {
        // Events normally name the owner; if one does not, the owner learnt from the order's earlier events stands in.
        var userId = !string.IsNullOrEmpty(eventUserId) ? eventUserId : (await store.GetOrderAsync(orderId, cancellationToken))?.UserId;
        if (userId is null)
        {
            // Thrown so Dapr redelivers: the event that names the owner may simply not have arrived yet.
            throw new InvalidOperationException($"The owner of order {orderId} is not known yet.");
        }

        var settings = options.CurrentValue;
        var notification = new UserNotification(orderId, kind, title, message, Channels, time.GetUtcNow());
        var added = await store.UpdateInboxAsync(userId,
            inbox => inbox.TryAdd(notification, notification.CreatedAt, settings.Retention, settings.MaxInboxSize, policy.OnePerOrderAndKind), cancellationToken);
        if (!added)
        {
            logger.LogInformation("Notification {NotificationId} for {UserId} already recorded", notification.Id, userId);
            return;
        }

        // Simulated delivery: the record above is what the user sees; these lines stand in for the providers.
        logger.LogInformation("Email to {UserId}: {Title} — {Message}", userId, title, message);
        logger.LogInformation("SMS to {UserId}: {Title}", userId, title);
    }

    public static string Rupees(decimal amount) => "₹" + amount.ToString("N2", CultureInfo.InvariantCulture);

    public static string Short(Guid orderId) => orderId.ToString("N")[..8].ToUpperInvariant();
}
