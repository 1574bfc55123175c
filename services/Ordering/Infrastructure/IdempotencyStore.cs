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
/// publishes every transactional upsert, and an idempotency record is not an event. A store that fails is an outage
/// (503), never mistaken for a concurrent request holding the key (409).
/// </summary>
public sealed class DaprIdempotencyStore(DaprClient dapr) : IIdempotencyStore
{
    private readonly DaprState<IdempotencyRecord> records = new(dapr, DaprComponents.OrderStore);

    public Task<(IdempotencyRecord? Record, string ETag)> GetAsync(string key, CancellationToken cancellationToken) =>
        records.GetWithETagAsync(key, cancellationToken);

    // The store forgets the record on its own (TTL); the record's ExpiresAt is what the rules check.
    public Task<bool> TrySaveAsync(string key, IdempotencyRecord record, string etag, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        records.TrySaveAsync(key, record, etag, cancellationToken, timeToLive);

    public Task<bool> TryDeleteAsync(string key, string etag, CancellationToken cancellationToken) =>
        records.TryDeleteAsync(key, etag, cancellationToken);
}
