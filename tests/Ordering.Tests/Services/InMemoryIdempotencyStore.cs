using System.Collections.Concurrent;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;

namespace Flipkart.Ordering.Tests.Services;

/// <summary>An ETag-checking in-memory store with the first-write rules of a Dapr state store.</summary>
internal sealed class InMemoryIdempotencyStore : IIdempotencyStore
{
    private readonly ConcurrentDictionary<string, (IdempotencyRecord Record, string ETag)> items = new();
    private readonly Lock gate = new();

    public Task<(IdempotencyRecord? Record, string ETag)> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(items.TryGetValue(key, out var item) ? ((IdempotencyRecord?)item.Record, item.ETag) : (null, ""));

    public Task<bool> TrySaveAsync(string key, IdempotencyRecord record, string etag, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var exists = items.TryGetValue(key, out var current);
            if (string.IsNullOrEmpty(etag) ? exists : !exists || current.ETag != etag)
            {
                return Task.FromResult(false);
            }
            items[key] = (record, Guid.NewGuid().ToString());
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryDeleteAsync(string key, string etag, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(items.TryGetValue(key, out var current) && current.ETag == etag && items.TryRemove(key, out _));
        }
    }

    public int Count => items.Count;
}
