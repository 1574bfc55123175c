using Dapr;
using System.Globalization;
using Dapr.Client;
using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Storage of Idempotency-Key records.</summary>
public interface IIdempotencyStore
{
    Task<(IdempotencyRecord? Record, string ETag)> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Creates (empty <paramref name="etag"/>) or replaces the record; false if someone else wrote it first.</summary>
    Task<bool> TrySaveAsync(string key, IdempotencyRecord record, string etag, TimeSpan timeToLive, CancellationToken cancellationToken);

    Task<bool> TryDeleteAsync(string key, string etag, CancellationToken cancellationToken);
}

/// <summary>
/// Records live in <c>order-store</c> as plain single-key saves with a TTL, never inside a transaction: the outbox
/// publishes every transactional upsert, and an idempotency record is not an event.
/// </summary>
public sealed class DaprIdempotencyStore(DaprClient dapr) : IIdempotencyStore
{
    private const string Store = DaprComponents.OrderStore;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public async Task<(IdempotencyRecord? Record, string ETag)> GetAsync(string key, CancellationToken cancellationToken)
    {
        var (record, etag) = await dapr.GetStateAndETagAsync<IdempotencyRecord?>(Store, key, cancellationToken: cancellationToken);
        return (record, etag);
    }

    public async Task<bool> TrySaveAsync(string key, IdempotencyRecord record, string etag, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            // The store forgets the record on its own; the record's ExpiresAt is what the rules check.
            ["ttlInSeconds"] = Math.Max(1, (long)Math.Ceiling(timeToLive.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        };
        if (string.IsNullOrEmpty(etag))
        {
            try
            {
                await dapr.SaveStateAsync(Store, key, record, FirstWrite, metadata, cancellationToken);
                return true;
            }
            catch (DaprException)
            {
                return false;
            }
        }
        return await dapr.TrySaveStateAsync(Store, key, record, etag, FirstWrite, metadata, cancellationToken);
    }

    public Task<bool> TryDeleteAsync(string key, string etag, CancellationToken cancellationToken) =>
        dapr.TryDeleteStateAsync(Store, key, etag, FirstWrite, cancellationToken: cancellationToken);
}
