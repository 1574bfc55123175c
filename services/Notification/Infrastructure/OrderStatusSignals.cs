using System.Threading.Channels;
using Flipkart.Notification.Domain;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Hands each status this replica records to the status streams open on this replica for that order, so a stream
/// pushes it without reading the store. Pub/sub gives each event to one replica only: a stream held by another replica
/// learns of the change from its (slow) safety re-read of the store instead.
/// </summary>
public sealed class OrderStatusSignals
{
    private readonly Dictionary<Guid, List<Watch>> watches = [];
    private readonly Lock gate = new();

    /// <summary>
    /// Starts collecting the order's recorded statuses. Take it before reading the order's current state: a status
    /// recorded between that read and the first wait is then still delivered, never lost.
    /// </summary>
    public Watch WatchOrder(Guid orderId)
    {
        var watch = new Watch(this, orderId);
        lock (gate)
        {
            if (!watches.TryGetValue(orderId, out var list))
            {
                watches[orderId] = list = [];
            }
            list.Add(watch);
        }
        return watch;
    }

    /// <summary>Called after <paramref name="observation"/> was stored; wakes every stream of its order on this replica.</summary>
    public void Notify(StatusObservation observation)
    {
        Watch[] targets;
        lock (gate)
        {
            if (!watches.TryGetValue(observation.OrderId, out var list))
            {
                return;
            }
            targets = [.. list];
        }
        foreach (var watch in targets)
        {
            watch.Changes.Writer.TryWrite(observation);
        }
    }

    /// <summary>Streams watching the order right now (tests, and to see that closed streams leave nothing behind).</summary>
    public int Watching(Guid orderId)
    {
        lock (gate)
        {
            return watches.TryGetValue(orderId, out var list) ? list.Count : 0;
        }
    }

    private void Remove(Watch watch)
    {
        lock (gate)
        {
            if (watches.TryGetValue(watch.OrderId, out var list) && list.Remove(watch) && list.Count == 0)
            {
                watches.Remove(watch.OrderId);
            }
        }
    }

    /// <summary>One stream's view of the statuses recorded for its order since it started watching.</summary>
    public sealed class Watch : IDisposable
    {
        private readonly OrderStatusSignals owner;

        internal Watch(OrderStatusSignals owner, Guid orderId)
        {
            this.owner = owner;
            OrderId = orderId;
        }

        public Guid OrderId { get; }

        // A handful of statuses per order at most; one reader (the stream), several writers (concurrent deliveries).
        internal Channel<StatusObservation> Changes { get; } = Channel.CreateUnbounded<StatusObservation>(new UnboundedChannelOptions { SingleReader = true });

        /// <summary>The next status recorded here, or null when <paramref name="timeout"/> passed first.</summary>
        public async Task<StatusObservation?> NextAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            if (Changes.Reader.TryRead(out var ready))
            {
                return ready;
            }
            using var timer = new CancellationTokenSource(timeout.Ticks <= 0 ? TimeSpan.Zero : timeout, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                return await Changes.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        public void Dispose() => owner.Remove(this);
    }
}
