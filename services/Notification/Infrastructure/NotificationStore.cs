using System.Globalization;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Flipkart.Notification.Domain;
using Flipkart.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Inboxes (<c>inbox-{user}</c>) and order status observations (<c>order-{id}-{status}</c>) in
/// <c>notification-store</c>, each with the retention TTL. Inbox changes are ETag compare-and-swaps so concurrent and
/// duplicate deliveries record one notification. Order statuses are written without any ETag: each (order, status)
/// key is only ever written with the same content, so the several events of one order arriving at once never
/// conflict (a conflict is a failed state call to daprd, and enough of them in a row open the store's breaker).
/// </summary>
public sealed class NotificationStore(DaprClient dapr, IOptionsMonitor<NotificationOptions> options, TimeProvider time)
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public Task<Inbox?> GetInboxAsync(string userId, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<Inbox?>(DaprComponents.NotificationStore, InboxKey(userId), cancellationToken: cancellationToken);

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
        dapr.SaveStateAsync(DaprComponents.NotificationStore, StatusKey(observation.OrderId, observation.Status), observation,
            metadata: RetentionMetadata(), cancellationToken: cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the user's inbox; true when it changed and was saved.</summary>
    public Task<bool> UpdateInboxAsync(string userId, Func<Inbox, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(InboxKey(userId), () => Inbox.Empty(userId), change, cancellationToken);

    private async Task<bool> UpdateAsync<T>(string key, Func<T> create, Func<T, bool> change, CancellationToken cancellationToken) where T : class
    {
        var attempts = options.CurrentValue.ConcurrencyRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var (value, etag) = await dapr.GetStateAndETagAsync<T?>(DaprComponents.NotificationStore, key, cancellationToken: cancellationToken);
            value ??= create();
            if (!change(value))
            {
                return false;
            }
            if (await TrySaveAsync(key, value, etag ?? "", cancellationToken))
            {
                return true;
            }
            if (attempt >= attempts)
            {
                // Answered as a failure, so Dapr redelivers the event later.
                throw new InvalidOperationException($"State '{key}' kept changing; giving up for now.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * attempt)), time, cancellationToken);
        }
    }

    private async Task<bool> TrySaveAsync<T>(string key, T value, string etag, CancellationToken cancellationToken)
    {
        try
        {
            return await dapr.TrySaveStateAsync(DaprComponents.NotificationStore, key, value, etag, FirstWrite, RetentionMetadata(), cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Aborted or StatusCode.FailedPrecondition })
        {
            return false;
        }
    }

    internal static string InboxKey(string userId) => $"inbox-{userId.Replace("|", "%7C", StringComparison.Ordinal)}";

    private Dictionary<string, string> RetentionMetadata() => new()
    {
        ["ttlInSeconds"] = ((long)options.CurrentValue.Retention.TotalSeconds).ToString(CultureInfo.InvariantCulture),
    };

    internal static string StatusKey(Guid orderId, OrderStatus status) => $"order-{orderId:N}-{status}";

    private static IReadOnlyList<string> StatusKeys(Guid orderId) => [.. Enum.GetValues<OrderStatus>().Select(s => StatusKey(orderId, s))];
}
