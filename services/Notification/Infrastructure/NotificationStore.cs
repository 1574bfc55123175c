using System.Text.Json;
using Dapr.Client;
using Flipkart.Notification.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Inboxes (<c>inbox-{user}</c>) and order status observations (<c>order-{id}-{status}</c>) in
/// <c>notification-store</c>, each with the retention TTL. Inbox changes are ETag compare-and-swaps so concurrent and
/// duplicate deliveries record one notification. Order statuses are written without any ETag: each (order, status)
/// key is only ever written with the same content, so the several events of one order arriving at once never
/// conflict (a conflict is a failed state call to daprd, and enough of them in a row open the store's breaker).
/// </summary>
public sealed class NotificationStore(DaprClient dapr, IOptionsMonitor<NotificationOptions> options)
{
    private readonly DaprState<Inbox> inboxes = new(dapr, DaprComponents.NotificationStore);
    private readonly DaprState<StatusObservation> statuses = new(dapr, DaprComponents.NotificationStore);

    public Task<Inbox?> GetInboxAsync(string userId, CancellationToken cancellationToken) => inboxes.GetAsync(InboxKey(userId), cancellationToken);

    /// <summary>What is known of the order (null when none of its events arrived yet): one bulk read of its status keys.</summary>
    public async Task<TrackedOrder?> GetOrderAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var items = await dapr.GetBulkStateAsync(DaprComponents.NotificationStore, StatusKeys(orderId), parallelism: null, cancellationToken: cancellationToken);
        var observations = items
            .Where(i => !string.IsNullOrEmpty(i.Value))
            .Select(i => JsonSerializer.Deserialize<StatusObservation>(i.Value, dapr.JsonSerializerOptions))
            .OfType<StatusObservation>();
        return StatusObservation.Fold(orderId, observations);
    }

    /// <summary>Stores one status observation; duplicates rewrite the same record, so no ETag is needed or checked.</summary>
    public Task RecordStatusAsync(StatusObservation observation, CancellationToken cancellationToken) =>
        statuses.SaveAsync(StatusKey(observation.OrderId, observation.Status), observation, cancellationToken, options.CurrentValue.Retention);

    /// <summary>
    /// Applies <paramref name="change"/> to the user's inbox; true when it changed and was saved. A conflict that
    /// outlasts the retries is answered as a failure, so Dapr redelivers the event later.
    /// </summary>
    public Task<bool> UpdateInboxAsync(string userId, Func<Inbox, bool> change, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        return inboxes.UpdateAsync(InboxKey(userId), stored =>
        {
            var inbox = stored ?? Inbox.Empty(userId);
            return change(inbox) ? (true, inbox) : (false, null);
        }, ConcurrencyRetry.Attempts(settings.ConcurrencyRetries), cancellationToken, settings.Retention);
    }

    internal static string InboxKey(string userId) => $"inbox-{userId.Replace("|", "%7C", StringComparison.Ordinal)}";

    internal static string StatusKey(Guid orderId, OrderStatus status) => $"order-{orderId:N}-{status}";

    private static IReadOnlyList<string> StatusKeys(Guid orderId) => [.. Enum.GetValues<OrderStatus>().Select(s => StatusKey(orderId, s))];
}
