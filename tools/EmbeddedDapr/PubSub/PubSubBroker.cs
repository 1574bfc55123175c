using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.Resiliency;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>How the app answered one delivery attempt (already classified with daprd's response rules).</summary>
public enum DeliveryStatus { Success, Retry, Drop }

/// <summary>
/// Result of one attempt. <see cref="Unreachable"/> = the replica could not be reached at all (stopped app): the
/// broker hands the message to another replica of the same app id without spending a retry.
/// </summary>
public sealed record DeliveryOutcome(DeliveryStatus Status, int? StatusCode = null, string? Error = null, bool Unreachable = false)
{
    public static readonly DeliveryOutcome Success = new(DeliveryStatus.Success);
}

/// <summary>One POST to the app: path (leading slash), the body bytes and the headers daprd adds.</summary>
public sealed record DeliveryRequest(string Path, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>One running replica of a subscriber app (one sidecar + app instance).</summary>
public interface ISubscriberEndpoint
{
    string AppId { get; }

    string InstanceId { get; }

    Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>Per-replica delivery settings: <c>app-max-concurrency</c> (null = unbounded, daprd's default).</summary>
public sealed record SubscriberOptions(int? MaxConcurrency = null);

/// <summary>Thrown by a broker publish that failed (injected fault); daprd reports it as <c>Internal</c>.</summary>
public sealed class BrokerPublishException(string message) : Exception(message);

/// <summary>A message the app dropped (DROP or 404): not retried, dead-lettered if configured.</summary>
public sealed class MessageDroppedException(string message) : PermanentFailureException(message);

/// <summary>A message a RabbitMQ dead-letter queue holds: NACKed by daprd, moved there by the broker, read by nobody.</summary>
public sealed record ParkedMessage(string PubsubName, string Topic, string AppId, string Queue, byte[] Data, DateTimeOffset At);

/// <summary>
/// The cluster's in-memory message broker. Each (pubsub, topic, app id) is a consumer group: every subscribed app
/// id receives each message once, and the replicas of one app id share it (round-robin, or Kafka partitions each
/// owned by one replica). Delivery follows daprd: route selection by CEL rules, the pubsub component's inbound
/// Resiliency policy around the app call, dead-lettering, then the component type's own concurrency and redelivery
/// rule (<see cref="PubsubComponent.Redelivery"/>). Component-level subscriptions (<see cref="Subscription.ComponentLevel"/>,
/// e.g. the outbox's internal topic) skip daprd's subscription handling and face the component rule directly.
/// Messages for an app id with no live replica wait until one attaches. Faults from <see cref="PubSubFaultInjector"/>
/// apply here.
/// </summary>
public sealed class PubSubBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PubsubComponent> _components = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Pubsub, string Topic), ConcurrentDictionary<string, ConsumerGroup>> _topics = new();
    private readonly ConcurrentDictionary<ISubscriberEndpoint, Replica> _replicas = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<(string Pubsub, string Topic), int> _partitions = new();
    private readonly ConcurrentDictionary<(string Pubsub, string AppId), WorkerPool> _sharedWorkers = new();
    private readonly ConcurrentQueue<ParkedMessage> _parked = new();
    private const int UnreachableBackoffMs = 250;

    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _outstanding;

    public PubSubBroker(TimeProvider time, ResiliencyProvider? resiliency = null, ILogger? logger = null)
    {
        _time = time;
        Resiliency = resiliency ?? ResiliencyProvider.Empty;
        _logger = logger ?? NullLogger.Instance;
        Faults = new PubSubFaultInjector(time);
    }

    public PubSubCounters Counters { get; } = new();

    public PubSubFaultInjector Faults { get; }

    /// <summary>The cluster clock (TTL expiry, fault windows, redelivery delays).</summary>
    public TimeProvider Time => _time;

    public ResiliencyProvider Resiliency { get; set; }

    /// <summary>Messages accepted but not yet finally settled (acked, dropped, dead-lettered, parked or lost).</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    public IReadOnlyCollection<PubsubComponent> Components => _components.Values.ToList();

    /// <summary>Messages in RabbitMQ dead-letter queues (<c>enableDeadLetter</c>): settled for the broker, read by nobody.</summary>
    public IReadOnlyList<ParkedMessage> Parked => [.. _parked];

    public void AddComponent(PubsubComponent component) => _components[component.Name] = component;

    public PubsubComponent? FindComponent(string name, string appId) =>
        _components.TryGetValue(name, out var component) && component.VisibleTo(appId) ? component : null;

    /// <summary>
    /// Kafka: the partition count of a topic (a broker-side setting; auto-created topics get <c>num.partitions</c> = 1).
    /// Applies to messages published from then on, as when partitions are added to a topic.
    /// </summary>
    public void SetPartitions(string pubsubName, string topic, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        _partitions[(pubsubName, topic)] = partitions;
    }

    /// <summary>
    /// Kafka's broker setting <c>num.partitions</c>: the partitions of every topic not given its own with
    /// <see cref="SetPartitions"/>, as the broker auto-creates them (Kafka's default 1). Set before anything is published.
    /// </summary>
    public int DefaultPartitions
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 1;

    public int PartitionsOf(string pubsubName, string topic) => _partitions.GetValueOrDefault((pubsubName, topic), DefaultPartitions);

    /// <summary>Starts delivering the given subscriptions to this replica (call when the app is ready).</summary>
    public void AttachReplica(ISubscriberEndpoint endpoint, IEnumerable<Subscription> subscriptions, SubscriberOptions? options = null)
    {
        var replica = _replicas.GetOrAdd(endpoint, e => new Replica(e, options ?? new SubscriberOptions()));
        foreach (var subscription in subscriptions)
        {
            if (GroupFor(endpoint.AppId, subscription) is { } group)
            {
                group.Add(replica);
            }
        }

        PokeSharedWorkers(endpoint.AppId);
    }

    /// <summary>
    /// Creates the consumer group of <paramref name="appId"/> for a subscription before any replica consumes it, so
    /// messages published meanwhile wait for it (a Redis consumer group or a Kafka group offset does the same).
    /// </summary>
    public void DeclareConsumerGroup(string appId, Subscription subscription) => GroupFor(appId, subscription);

    private ConsumerGroup? GroupFor(string appId, Subscription subscription)
    {
        if (!_components.TryGetValue(subscription.PubsubName, out var component) || !component.VisibleTo(appId))
        {
            _logger.LogWarning("{App}: subscription to {Pubsub}/{Topic} skipped: pubsub not found", appId, subscription.PubsubName, subscription.Topic);
            return null;
        }

        if (!subscription.ComponentLevel && !component.CanSubscribe(appId, subscription.Topic))
        {
            return null; // daprd silently skips subscriptions outside the component's topic scopes
        }

        var groups = _topics.GetOrAdd((subscription.PubsubName, subscription.Topic), _ => new(StringComparer.Ordinal));
        // daprd's own subscription (the outbox relay) is a handler of its own: it sees every message even when the app
        // subscribes to the same topic (the in-memory bus hands each message to every handler).
        var key = subscription.ComponentLevel ? $"{appId}\u0000{subscription.Origin}" : appId;
        var group = groups.GetOrAdd(key, _ => new ConsumerGroup(this, component, subscription.Topic, appId));
        group.Subscription = subscription;
        return group;
    }

    /// <summary>Stops delivering to this replica; its in-flight and future messages go to the other replicas (or wait).</summary>
    public void DetachReplica(ISubscriberEndpoint endpoint)
    {
        if (_replicas.TryRemove(endpoint, out var replica))
        {
            foreach (var groups in _topics.Values)
            {
                foreach (var group in groups.Values)
                {
                    group.Remove(replica);
                }
            }

            PokeSharedWorkers(endpoint.AppId);
        }
    }

    /// <summary>Subscriptions active for an app id (what GetMetadata reports; component-level ones are daprd-internal).</summary>
    public IReadOnlyList<Subscription> SubscriptionsOf(string appId) =>
        _topics.Values.SelectMany(g => g.Values).Where(g => g.AppId == appId).Select(g => g.Subscription!)
            .Where(s => s is { ComponentLevel: false }).ToList();

    /// <summary>Hands the bytes to every consumer group of the topic (the envelope is already built).</summary>
    public void Publish(string pubsubName, string topic, byte[] data, string contentType, IReadOnlyDictionary<string, string> metadata, string publisherAppId)
    {
        if (Faults.ShouldFailPublish(topic))
        {
            Counters.PublishFailed(pubsubName, topic, publisherAppId);
            throw new BrokerPublishException("injected publish failure");
        }

        Counters.Published(pubsubName, topic, publisherAppId);
        var partition = _components.TryGetValue(pubsubName, out var component) && component.IsKafka
            ? KafkaPartition(metadata, PartitionsOf(pubsubName, topic))
            : 0;
        Enqueue(new BrokerMessage(pubsubName, topic, data, contentType, metadata, partition));
    }

    /// <summary>
    /// The Kafka component's partitioner: metadata <c>partitionKey</c> (or <c>__key</c>) hashed with FNV-1a as sarama's
    /// hash partitioner does; no key = a random partition.
    /// </summary>
    public static int KafkaPartition(IReadOnlyDictionary<string, string> metadata, int partitions)
    {
        if (partitions <= 1)
        {
            return 0;
        }

        if (!metadata.TryGetValue("partitionKey", out var key) && !metadata.TryGetValue("__key", out key))
        {
            return Random.Shared.Next(partitions);
        }

        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var partition = (int)hash % partitions;
        return partition < 0 ? -partition : partition;
    }

    /// <summary>Waits until every accepted message is settled; false on timeout. For tests and the load loop.</summary>
    public async Task<bool> WaitForIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Outstanding > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        var dispatchers = _topics.Values.SelectMany(g => g.Values).SelectMany(g => g.Dispatchers).ToArray();
        try
        {
            await Task.WhenAll(dispatchers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Shutting down: undelivered messages are lost, as with a real in-memory broker.
        }

        _stop.Dispose();
    }

    private void Enqueue(BrokerMessage message)
    {
        if (!_topics.TryGetValue((message.Pubsub, message.Topic), out var groups))
        {
            return; // no subscriber: the message is gone, as on a broker without a consumer group for it
        }

        foreach (var group in groups.Values)
        {
            var copies = 1 + Faults.DuplicatesFor(message.Topic, group.AppId);
            for (var i = 0; i < copies; i++)
            {
                Interlocked.Increment(ref _outstanding);
                group.Enqueue(new Pending(message, 0));
            }
        }
    }

    /// <summary>Live subscriber processes (distinct sidecars) of an app id: each daprd brings its own workers.</summary>
    private int InstancesOf(string appId) =>
        Math.Max(1, _replicas.Keys.Where(e => e.AppId == appId).Select(e => e.InstanceId).Distinct(StringComparer.Ordinal).Count());

    private WorkerPool SharedWorkers(PubsubComponent component, string appId) =>
        _sharedWorkers.GetOrAdd((component.Name, appId), _ => new WorkerPool(() => Saturating(component.Redelivery.PerReplicaConcurrency, InstancesOf(appId))));

    private void PokeSharedWorkers(string appId)
    {
        foreach (var ((_, app), pool) in _sharedWorkers)
        {
            if (app == appId)
            {
                pool.Poke();
            }
        }
    }

    private static int Saturating(int perReplica, int replicas) =>
        perReplica == int.MaxValue ? int.MaxValue : (int)Math.Min(int.MaxValue, (long)perReplica * Math.Max(1, replicas));

    private sealed record BrokerMessage(string Pubsub, string Topic, byte[] Data, string ContentType, IReadOnlyDictionary<string, string> Metadata, int Partition);

    private sealed record Pending(BrokerMessage Message, int Redeliveries);

    private sealed class Replica(ISubscriberEndpoint endpoint, SubscriberOptions options)
    {
        public ISubscriberEndpoint Endpoint { get; } = endpoint;

        public SemaphoreSlim? Slots { get; } = options.MaxConcurrency is { } n && n > 0 ? new SemaphoreSlim(n) : null;

        /// <summary><see cref="Environment.TickCount64"/> until which the replica is skipped after a connection failure.</summary>
        public long SuspectUntil { get; set; }
    }

    /// <summary>A counting gate whose limit can change (workers per daprd × live daprds).</summary>
    private sealed class WorkerPool(Func<int> limit)
    {
        private readonly Lock _gate = new();
        private readonly List<TaskCompletionSource> _waiters = [];
        private int _busy;

        public async Task EnterAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                TaskCompletionSource waiter;
                lock (_gate)
                {
                    if (_busy < limit())
                    {
                        _busy++;
                        return;
                    }

                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.Add(waiter);
                }

                await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public void Exit()
        {
            lock (_gate)
            {
                _busy--;
            }

            Poke();
        }

        /// <summary>Wakes every waiter to try again (a slot was freed or the limit grew).</summary>
        public void Poke()
        {
            TaskCompletionSource[] waiters;
            lock (_gate)
            {
                waiters = [.. _waiters];
                _waiters.Clear();
            }

            foreach (var waiter in waiters)
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>One lane of a consumer group: the whole group, or one Kafka partition.</summary>
    private sealed class Lane(int index)
    {
        public int Index { get; } = index;

        public Channel<Pending> Queue { get; } = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

        private int _started;

        public Task Dispatcher { get; set; } = Task.CompletedTask;

        public bool TryStart() => Interlocked.Exchange(ref _started, 1) == 0;
    }

    private sealed class ConsumerGroup
    {
        private readonly PubSubBroker _broker;
        private readonly PubsubComponent _component;
        private readonly BrokerRedelivery _redelivery;
        private readonly ConcurrentDictionary<int, Lane> _lanes = new();
        private readonly WorkerPool? _workers;
        private readonly Lock _gate = new();
        private readonly List<Replica> _replicas = [];
        private TaskCompletionSource _replicaAvailable = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _next;
        private (ResiliencyProvider? Provider, ResiliencyPolicy Policy) _inbound = (null, ResiliencyPolicy.None);

        public ConsumerGroup(PubSubBroker broker, PubsubComponent component, string topic, string appId)
        {
            _broker = broker;
            _component = component;
            _redelivery = component.Redelivery;
            Topic = topic;
            AppId = appId;
            _workers = _redelivery.Partitioned || _redelivery.Sequential
                ? null
                : _redelivery.SharedWorkers
                    ? broker.SharedWorkers(component, appId)
                    : new WorkerPool(() => Saturating(_redelivery.PerReplicaConcurrency, ReplicaCount));
        }

        public string Topic { get; }

        public string AppId { get; }

        public Subscription? Subscription { get; set; }

        public IEnumerable<Task> Dispatchers => _lanes.Values.Select(l => l.Dispatcher);

        private string Pubsub => _component.Name;

        private PubSubCounters Counters => _broker.Counters;

        private int ReplicaCount
        {
            get
            {
                lock (_gate)
                {
                    return _replicas.Count;
                }
            }
        }

        /// <summary>Lanes appear with the first message of their partition (a topic may gain partitions).</summary>
        public void Enqueue(Pending pending) => LaneFor(pending.Message.Partition).Queue.Writer.TryWrite(pending);

        private Lane LaneFor(int partition)
        {
            var lane = _lanes.GetOrAdd(_redelivery.Partitioned ? partition : 0, static index => new Lane(index));
            if (lane.TryStart())
            {
                lane.Dispatcher = Task.Run(() => RunAsync(lane));
            }

            return lane;
        }

        public void Add(Replica replica)
        {
            lock (_gate)
            {
                if (!_replicas.Contains(replica))
                {
                    _replicas.Add(replica);
                }

                _replicaAvailable.TrySetResult();
            }

            _workers?.Poke();
        }

        public void Remove(Replica replica)
        {
            lock (_gate)
            {
                if (_replicas.Remove(replica) && _replicas.Count == 0)
                {
                    _replicaAvailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        /// <summary>
        /// The replica for the next attempt: round-robin, or for a Kafka partition its owner (partitions spread over the
        /// replicas in attach order; a replica whose app does not answer hands its partitions on, as a rebalance does).
        /// </summary>
        private async Task<Replica> NextReplicaAsync(int lane, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task wait;
                var retryInMs = 0L;
                lock (_gate)
                {
                    if (_replicas.Count > 0)
                    {
                        var now = Environment.TickCount64;
                        var start = _redelivery.Partitioned ? lane : _next++;
                        for (var i = 0; i < _replicas.Count; i++)
                        {
                            var candidate = _replicas[(int)((uint)(start + i) % (uint)_replicas.Count)];
                            if (candidate.SuspectUntil <= now)
                            {
                                return candidate;
                            }
                        }

                        retryInMs = Math.Max(1, _replicas.Min(r => r.SuspectUntil) - now);
                    }

                    wait = _replicaAvailable.Task;
                }

                if (retryInMs > 0)
                {
                    // Every replica just failed to connect (app restarting?): probe again shortly.
                    await Task.Delay(TimeSpan.FromMilliseconds(retryInMs), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task RunAsync(Lane lane)
        {
            var stop = _broker._stop.Token;
            var batch = new List<Pending>();
            try
            {
                while (await lane.Queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    batch.Clear();
                    var window = Math.Max(1, _broker.Faults.ReorderWindowFor(Topic, AppId));
                    while (batch.Count < window && lane.Queue.Reader.TryRead(out var pending))
                    {
                        batch.Add(pending);
                    }

                    if (batch.Count > 1)
                    {
                        _broker.Faults.Shuffle(batch);
                    }

                    foreach (var pending in batch)
                    {
                        if (_workers is null)
                        {
                            // In order, one at a time: a Kafka partition, the in-memory bus, a single-consumer queue.
                            await ProcessAsync(pending, lane, entered: false, stop).ConfigureAwait(false);
                        }
                        else
                        {
                            await _workers.EnterAsync(stop).ConfigureAwait(false);
                            _ = ProcessAsync(pending, lane, entered: true, stop);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // broker disposed
            }
        }

        private async Task ProcessAsync(Pending pending, Lane lane, bool entered, CancellationToken stop)
        {
            var settled = true;
            try
            {
                var inline = 0;
                while (true)
                {
                    if (await HandleAsync(pending.Message, lane.Index, stop).ConfigureAwait(false))
                    {
                        break;
                    }

                    // daprd returned the error to the component: apply the component type's redelivery rule.
                    if (_redelivery.InlineRetries < 0 || inline < _redelivery.InlineRetries)
                    {
                        Counters.Retried(Pubsub, Topic, AppId);
                        // The component sleeps in wall-clock time (its own retry loop), not on the cluster clock.
                        await Task.Delay(_redelivery.InlineDelay(inline), TimeProvider.System, stop).ConfigureAwait(false);
                        inline++;
                        continue;
                    }

                    if (_redelivery.RequeueAfter is { } after)
                    {
                        settled = false;
                        Counters.Retried(Pubsub, Topic, AppId);
                        _ = RequeueAsync(pending with { Redeliveries = pending.Redeliveries + 1 }, lane, after, stop);
                        break;
                    }

                    if (_redelivery.DeadLetterQueue)
                    {
                        var queue = "dlq-" + QueueName;
                        _broker._parked.Enqueue(new ParkedMessage(Pubsub, Topic, AppId, queue, pending.Message.Data, _broker._time.GetUtcNow()));
                        Counters.Parked(Pubsub, Topic, AppId);
                        _broker._logger.LogWarning("{App}: message on {Pubsub}/{Topic} moved to dead-letter queue {Queue}, which nothing consumes", AppId, Pubsub, Topic, queue);
                        break;
                    }

                    Counters.Failed(Pubsub, Topic, AppId);
                    _broker._logger.LogWarning("{App}: message on {Pubsub}/{Topic} lost after delivery failure ({Rule})", AppId, Pubsub, Topic, _redelivery.Description);
                    break;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // broker disposed
            }
            catch (Exception ex)
            {
                Counters.Failed(Pubsub, Topic, AppId);
                _broker._logger.LogError(ex, "{App}: delivery on {Pubsub}/{Topic} failed unexpectedly", AppId, Pubsub, Topic);
            }
            finally
            {
                if (entered)
                {
                    _workers!.Exit();
                }

                if (settled)
                {
                    Interlocked.Decrement(ref _broker._outstanding);
                }
            }
        }

        /// <summary>RabbitMQ's queue: subscription metadata <c>queueName</c>, else <c>&lt;consumerID&gt;-&lt;topic&gt;</c>.</summary>
        private string QueueName =>
            Subscription?.Metadata.GetValueOrDefault("queueName") is { Length: > 0 } name
                ? name
                : $"{_component.Meta("consumerID") ?? AppId}-{Topic}";

        private async Task RequeueAsync(Pending pending, Lane lane, TimeSpan after, CancellationToken stop)
        {
            try
            {
                if (after > TimeSpan.Zero)
                {
                    await Task.Delay(after, _broker._time, stop).ConfigureAwait(false);
                }

                lane.Queue.Writer.TryWrite(pending);
            }
            catch (OperationCanceledException)
            {
                // broker disposed
            }
        }

        /// <summary>
        /// A component-level subscription: the handler (e.g. the outbox relay of one daprd) gets the raw message; its
        /// answer goes straight back to the component, with no resiliency, routing or dead-letter topic in between.
        /// </summary>
        private async Task<bool> HandleComponentLevelAsync(BrokerMessage message, int lane, CancellationToken stop)
        {
            var request = new DeliveryRequest("/", message.Data, message.Metadata);
            while (true)
            {
                var replica = await NextReplicaAsync(lane, stop).ConfigureAwait(false);
                var outcome = await replica.Endpoint.DeliverAsync(request, stop).ConfigureAwait(false);
                if (outcome.Unreachable)
                {
                    replica.SuspectUntil = Environment.TickCount64 + UnreachableBackoffMs;
                    continue;
                }

                if (outcome.Status == DeliveryStatus.Success)
                {
                    Counters.Delivered(Pubsub, Topic, AppId);
                    return true;
                }

                _broker._logger.LogDebug("{App}: {Pubsub}/{Topic} handler failed: {Error}", AppId, Pubsub, Topic, outcome.Error);
                return false;
            }
        }

        /// <summary>One pass of daprd's subscription handler; true = acknowledge to the broker.</summary>
        private async Task<bool> HandleAsync(BrokerMessage message, int lane, CancellationToken stop)
        {
            if (Subscription is { ComponentLevel: true })
            {
                return await HandleComponentLevelAsync(message, lane, stop).ConfigureAwait(false);
            }

            var delay = _broker.Faults.DelayFor(Topic, AppId);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, TimeProvider.System, stop).ConfigureAwait(false); // simulated latency is real time
            }

            var subscription = Subscription!;
            byte[] body;
            string? incomingTraceParent = null;
            string? incomingTraceState = null;
            if (subscription.RawPayload)
            {
                message.Metadata.TryGetValue("traceparent", out incomingTraceParent);
                message.Metadata.TryGetValue("tracestate", out incomingTraceState);
                body = CloudEventEnvelope.FromRawPayload(message.Data, Topic, Pubsub, incomingTraceParent, incomingTraceState);
            }
            else
            {
                body = message.Data;
            }

            // One cheap pass validates the envelope and picks the top-level fields delivery needs; the full document
            // is only built when a routing rule has to evaluate a CEL expression.
            if (!EnvelopeFields.TryRead(body, out var fields))
            {
                _broker._logger.LogWarning("{App}: message on {Pubsub}/{Topic} is not a CloudEvent JSON object", AppId, Pubsub, Topic);
                return await DeadLetterOrNackAsync(subscription, message).ConfigureAwait(false);
            }

            incomingTraceParent ??= fields.TraceParent;
            incomingTraceState ??= fields.TraceState;
            if (IsExpired(fields.Expiration))
            {
                Counters.Dropped(Pubsub, Topic, AppId);
                await DeadLetterOrNackAsync(subscription, message).ConfigureAwait(false);
                return true;
            }

            string? matched = null;
            if (subscription.Rules[0].Match is null)
            {
                matched = subscription.Rules[0].Path;
            }
            else
            {
                using var document = JsonDocument.Parse(body);
                foreach (var rule in subscription.Rules)
                {
                    if (rule.Match is null)
                    {
                        matched = rule.Path;
                        break;
                    }

                    if (!rule.Match.TryEvaluateEvent(document.RootElement, out var isMatch, out var error))
                    {
                        _broker._logger.LogWarning("{App}: routing rule '{Rule}' failed on {Topic}: {Error}", AppId, rule.Match.Source, Topic, error);
                        return false;
                    }

                    if (isMatch)
                    {
                        matched = rule.Path;
                        break;
                    }
                }
            }

            if (matched is null)
            {
                // No rule matched: acknowledged and skipped, copied to the dead-letter topic when one is set.
                Counters.Dropped(Pubsub, Topic, AppId);
                if (subscription.DeadLetterTopic is not null)
                {
                    await DeadLetterOrNackAsync(subscription, message).ConfigureAwait(false);
                }

                return true;
            }

            var path = matched.StartsWith('/') ? matched : "/" + matched;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["pubsubName"] = Pubsub,
                ["traceparent"] = Tracing.ChildTraceParent(incomingTraceParent),
            };
            if (!string.IsNullOrEmpty(incomingTraceState))
            {
                headers["tracestate"] = incomingTraceState;
            }

            var request = new DeliveryRequest(path, body, headers);
            var policy = InboundPolicy();
            try
            {
                await policy.ExecuteAsync(
                    ct => AttemptAsync(request, lane, ct),
                    stop,
                    (_, _) => Counters.Retried(Pubsub, Topic, AppId)).ConfigureAwait(false);
                Counters.Delivered(Pubsub, Topic, AppId);
                return true;
            }
            catch (MessageDroppedException)
            {
                Counters.Dropped(Pubsub, Topic, AppId);
                if (subscription.DeadLetterTopic is not null)
                {
                    await DeadLetterOrNackAsync(subscription, message).ConfigureAwait(false);
                }

                return true;
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                _broker._logger.LogDebug("{App}: delivery on {Pubsub}/{Topic} failed: {Error}", AppId, Pubsub, Topic, ex.Message);
                return await DeadLetterOrNackAsync(subscription, message).ConfigureAwait(false);
            }
        }

        private ResiliencyPolicy InboundPolicy()
        {
            var provider = _broker.Resiliency;
            var cached = _inbound;
            if (cached.Provider != provider)
            {
                cached = (provider, provider.ForComponent(AppId, Pubsub, "pubsub", ComponentDirection.Inbound));
                _inbound = cached;
            }

            return cached.Policy;
        }

        /// <summary>Forwards the original bytes to the dead-letter topic (ack) or reports failure to the broker (nack).</summary>
        private Task<bool> DeadLetterOrNackAsync(Subscription subscription, BrokerMessage message)
        {
            if (subscription.DeadLetterTopic is not { } deadLetter)
            {
                return Task.FromResult(false);
            }

            // daprd publishes the dead letter through its publisher adapter, under the subscriber's publishingScopes;
            // refused, the publish fails and the message is NACKed like any failed delivery.
            if (!_component.CanPublish(AppId, deadLetter))
            {
                return Task.FromResult(false);
            }

            Counters.DeadLettered(Pubsub, Topic, AppId);
            _broker.Enqueue(message with { Topic = deadLetter });
            return Task.FromResult(true);
        }

        private async Task<bool> AttemptAsync(DeliveryRequest request, int lane, CancellationToken cancellationToken)
        {
            while (true)
            {
                var replica = await NextReplicaAsync(lane, cancellationToken).ConfigureAwait(false);
                if (_broker.Faults.ShouldFailDelivery(Topic, AppId))
                {
                    throw new StatusCodeException(500, "injected delivery failure");
                }

                if (replica.Slots is { } slots)
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                DeliveryOutcome outcome;
                try
                {
                    outcome = await replica.Endpoint.DeliverAsync(request, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    replica.Slots?.Release();
                }

                if (outcome.Unreachable)
                {
                    // The app behind this replica does not answer (stopped or restarting): the message goes to another
                    // replica, or waits; this is the broker's redelivery, not a failed attempt of daprd's retry policy.
                    replica.SuspectUntil = Environment.TickCount64 + UnreachableBackoffMs;
                    continue;
                }

                return outcome.Status switch
                {
                    DeliveryStatus.Success => true,
                    DeliveryStatus.Drop => throw new MessageDroppedException(outcome.Error ?? "dropped by the app"),
                    _ when outcome.StatusCode is { } code => throw new StatusCodeException(code, outcome.Error ?? $"app returned {code}"),
                    _ => throw new InvalidOperationException(outcome.Error ?? "the app asked for a retry"),
                };
            }
        }

        private bool IsExpired(string? expiration) =>
            expiration is not null
            && DateTimeOffset.TryParse(expiration, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            && at < _broker._time.GetUtcNow();
    }
}
