namespace Flipkart.ServiceDefaults;

/// <summary>
/// Runs the copies of one event (same type and id) that reach this process at the same time one after another.
/// At-least-once brokers hand out such copies together (a redelivery while the first is still in progress, a
/// consumer-group rebalance); handled side by side, both would try to create the same record first-write, and on
/// Redis each lost create is a plain store error that daprd retries and counts towards the store's circuit breaker, so
/// a burst of duplicates opens it for everyone. One after another, the second copy finds the first one's record.
/// Copies handed to different replicas still race; the handlers stay correct under that, only the breaker cost remains.
/// </summary>
public sealed class InFlightDeliveries
{
    private readonly Dictionary<(string Type, Guid Id), Entry> _entries = [];

    /// <summary>Waits until no other copy of this event is being handled here; dispose the result when done.</summary>
    public async Task<IDisposable> EnterAsync(string eventType, Guid eventId, CancellationToken cancellationToken)
    {
        var key = (eventType, eventId);
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            entry.Users++;
        }
        try
        {
            await entry.Turn.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry, release: false);
            throw;
        }
        return new Lease(this, key, entry);
    }

    /// <summary>How many events have copies in flight here (for tests: nothing is left behind).</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    private void Leave((string, Guid) key, Entry entry, bool release)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
            }
        }
        if (release)
        {
            entry.Turn.Release();
        }
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Users;
    }

    private sealed class Lease(InFlightDeliveries owner, (string, Guid) key, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(key, entry, release: true);
            }
        }
    }
}
