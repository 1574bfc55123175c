namespace Flipkart.EmbeddedDapr.State;

/// <summary>
/// The data of one state component, shared by every sidecar of a cluster (as apps share one Redis).
/// A single lock keeps each operation and each transaction atomic; the store type's rules are applied by
/// <see cref="StateStore"/>.
/// </summary>
public sealed class InMemoryStateBackend(TimeProvider time)
{
    internal readonly object Gate = new();
    internal readonly Dictionary<string, StoredItem> Items = new(StringComparer.Ordinal);

    public TimeProvider Time { get; } = time;

    /// <summary>Live (unexpired) keys, for diagnostics and for modules that scan (e.g. actor state).</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            lock (Gate)
            {
                var now = Time.GetUtcNow();
                return Items.Where(kv => !kv.Value.IsExpired(now)).Select(kv => kv.Key).ToArray();
            }
        }
    }

    internal StoredItem? Live(string key)
    {
        if (!Items.TryGetValue(key, out var item))
        {
            return null;
        }
        if (item.IsExpired(Time.GetUtcNow()))
        {
            // Expired items vanish lazily on access, as in the in-memory and Redis stores.
            Items.Remove(key);
            return null;
        }
        return item;
    }
}

internal sealed record StoredItem(byte[] Data, string ETag, long Version, DateTimeOffset? ExpiresAt, bool FirstWriteMarker)
{
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } at && at <= now;
}
