using System.Collections.Concurrent;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>Counts for one (pubsub, topic, app). For <see cref="Published"/> the app is the publisher; for the rest the subscriber.</summary>
public sealed record PubSubCounterSnapshot(
    string PubsubName,
    string Topic,
    string AppId,
    long Published,
    long Delivered,
    long Retried,
    long Dropped,
    long DeadLettered,
    long Failed,
    long PublishFailed,
    long Parked = 0);

/// <summary>
/// Pub/sub counters per topic and app, readable by tests and the local run. Delivered = the app acknowledged
/// (SUCCESS); Retried = a repeated attempt (resiliency retry or broker redelivery); Dropped = DROP/404, unmatched
/// route or expired event; DeadLettered = forwarded to the dead-letter topic; Failed = given up and lost; Parked = moved to a broker
/// dead-letter queue (RabbitMQ <c>enableDeadLetter</c>) that nothing consumes.
/// </summary>
public sealed class PubSubCounters
{
    private readonly ConcurrentDictionary<(string Pubsub, string Topic, string App), Cell> _cells = new();

    public void Published(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Published);

    public void PublishFailed(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).PublishFailed);

    public void Delivered(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Delivered);

    public void Retried(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Retried);

    public void Dropped(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Dropped);

    public void DeadLettered(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).DeadLettered);

    public void Failed(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Failed);

    public void Parked(string pubsub, string topic, string app) => Interlocked.Increment(ref CellFor(pubsub, topic, app).Parked);

    /// <summary>All rows, ordered by pubsub, topic, app.</summary>
    public IReadOnlyList<PubSubCounterSnapshot> Snapshot() =>
        _cells.OrderBy(c => c.Key.Pubsub, StringComparer.Ordinal)
            .ThenBy(c => c.Key.Topic, StringComparer.Ordinal)
            .ThenBy(c => c.Key.App, StringComparer.Ordinal)
            .Select(c => c.Value.ToSnapshot(c.Key.Pubsub, c.Key.Topic, c.Key.App))
            .ToList();

    /// <summary>Sum over the rows matching the filters (null = any).</summary>
    public PubSubCounterSnapshot Get(string? topic = null, string? appId = null, string? pubsubName = null)
    {
        long published = 0, delivered = 0, retried = 0, dropped = 0, deadLettered = 0, failed = 0, publishFailed = 0, parked = 0;
        foreach (var ((pubsub, t, app), cell) in _cells)
        {
            if ((topic is null || t == topic) && (appId is null || app == appId) && (pubsubName is null || pubsub == pubsubName))
            {
                published += Volatile.Read(ref cell.Published);
                delivered += Volatile.Read(ref cell.Delivered);
                retried += Volatile.Read(ref cell.Retried);
                dropped += Volatile.Read(ref cell.Dropped);
                deadLettered += Volatile.Read(ref cell.DeadLettered);
                failed += Volatile.Read(ref cell.Failed);
                publishFailed += Volatile.Read(ref cell.PublishFailed);
                parked += Volatile.Read(ref cell.Parked);
            }
        }

        return new PubSubCounterSnapshot(pubsubName ?? "*", topic ?? "*", appId ?? "*", published, delivered, retried, dropped, deadLettered, failed, publishFailed, parked);
    }

    public void Reset() => _cells.Clear();

    private Cell CellFor(string pubsub, string topic, string app) => _cells.GetOrAdd((pubsub, topic, app), static _ => new Cell());

    private sealed class Cell
    {
        public long Published;
        public long Delivered;
        public long Retried;
        public long Dropped;
        public long DeadLettered;
        public long Failed;
        public long PublishFailed;
        public long Parked;

        public PubSubCounterSnapshot ToSnapshot(string pubsub, string topic, string app) => new(
            pubsub, topic, app, Volatile.Read(ref Published), Volatile.Read(ref Delivered), Volatile.Read(ref Retried),
            Volatile.Read(ref Dropped), Volatile.Read(ref DeadLettered), Volatile.Read(ref Failed), Volatile.Read(ref PublishFailed),
            Volatile.Read(ref Parked));
    }
}
