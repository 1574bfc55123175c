using System.Globalization;
using Dapr;
using Dapr.Client;
using Flipkart.Notification.Domain;
using Flipkart.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Inboxes (<c>inbox-{user}</c>) and tracked orders (<c>order-{id}</c>) in <c>notification-store</c>, each with the
/// retention TTL. Changes are ETag compare-and-swaps so concurrent and duplicate deliveries record one notification.
/// </summary>
public sealed class NotificationStore(DaprClient dapr, IOptionsMonitor<NotificationOptions> options, TimeProvider time)
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public Task<Inbox?> GetInboxAsync(string userId, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<Inbox?>(DaprComponents.NotificationStore, InboxKey(userId), cancellationToken: cancellationToken);

    public Task<TrackedOrder?> GetOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<TrackedOrder?>(DaprComponents.NotificationStore, OrderKey(orderId), cancellationToken: cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the user's inbox; true when it changed and was saved.</summary>
    public Task<bool> UpdateInboxAsync(string userId, Func<Inbox, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(InboxKey(userId), () => Inbox.Empty(userId), change, cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the tracked order; true when it changed and was saved.</summary>
    public Task<bool> UpdateOrderAsync(Guid orderId, Func<TrackedOrder, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(OrderKey(orderId), () => TrackedOrder.New(orderId), change, cancellationToken);

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
        var metadata = new Dictionary<string, string>
        {
            ["ttlInSeconds"] = ((long)options.CurrentValue.Retention.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            return await dapr.TrySaveStateAsync(DaprComponents.NotificationStore, key, value, etag, FirstWrite, metadata, cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Aborted or StatusCode.FailedPrecondition })
        {
            return false;
        }
    }

    internal static string InboxKey(string userId) => $"inbox-{userId.Replace("|", "%7C", StringComparison.Ordinal)}";

    internal static string OrderKey(Guid orderId) => $"order-{orderId:N}";
}
