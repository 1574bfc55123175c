using System.Globalization;
using Dapr.Client;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Caching.Distributed;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// <see cref="IDistributedCache"/> over the Dapr <c>cache</c> state store, so <c>HybridCache</c> gets a shared
/// second level without a Redis client. Expiry is the store's own TTL (<c>ttlInSeconds</c>). Sliding
/// expiration is not supported by Dapr state, so <see cref="Refresh"/> is a no-op and entries use absolute TTLs.
/// </summary>
public sealed class DaprDistributedCache(DaprClient dapr, TimeProvider time) : IDistributedCache
{
    private const string Store = DaprComponents.Cache;
    private const int DefaultTtlSeconds = 300;

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var bytes = await dapr.GetByteStateAsync(Store, key, cancellationToken: token);
        return bytes.IsEmpty ? null : bytes.ToArray();
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var ttl = TtlSeconds(options);
        var metadata = new Dictionary<string, string> { ["ttlInSeconds"] = ttl.ToString(CultureInfo.InvariantCulture) };
        return dapr.SaveByteStateAsync(Store, key, value, metadata: metadata, cancellationToken: token);
    }

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default) => dapr.DeleteStateAsync(Store, key, cancellationToken: token);

    private long TtlSeconds(DistributedCacheEntryOptions options)
    {
        TimeSpan? ttl = options.AbsoluteExpirationRelativeToNow
            ?? (options.AbsoluteExpiration is { } at ? at - time.GetUtcNow() : (TimeSpan?)null)
            ?? options.SlidingExpiration;
        return ttl is { } t ? Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)) : DefaultTtlSeconds;
    }
}
