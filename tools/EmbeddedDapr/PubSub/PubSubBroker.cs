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

/// <summary>
/// The cluster's in-memory message broker. Each (pubsub, topic, app id) is a consumer group: every subscribed app
/// id receives each message once, and the replicas of one app id compete for it (round-robin). Delivery follows
/// daprd: route selection by CEL rules, the pubsub component's inbound Resiliency policy around the app call,
/// dead-lettering, then the component type's own redelivery rule (<see cref="PubsubComponent"/>). Messages for an
/// app id with no live replica wait until one attaches. Faults from <see cref="PubSubFaultInjector"/> apply here.
/// </summary>
public sealed class PubSubBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PubsubComponent> _components = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Pubsub, string Topic), ConcurrentDictionary<string, ConsumerGroup>> _topics = new();
    private readonly ConcurrentDictionary<ISubscriberEndpoint, Replica> _replicas = new(ReferenceEqualityComparer.Instance);
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

    /// <summary>Messages accepted but not yet finally settled (acked, dropped, dead-lettered or lost).</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    public IReadOnlyCollection<PubsubComponent> Components => _components.Values.ToList();

    public void AddComponent(PubsubComponent component) => _components[component.Name] = component;

    public PubsubComponent? FindComponent(string name, string appId) =>
        _components.TryGetValue(name, out var component) && component.VisibleTo(appId) ? component : null;

    /// <summary>Starts delivering the given subscriptions to this replica (call when the app is ready).</summary>
    public void AttachReplica(ISubscriberEndpoint endpoint, IEnumerable<Subscription> subscriptions, SubscriberOptions? options = null)
    {
        var replica = _replicas.GetOrAdd(endpoint, e => new Replica(e, options ?? new SubscriberOptions()));
        foreach (var subscription in subscriptions)
        {
            if (!_components.TryGetValue(subscription.PubsubName, out var component) || !component.VisibleTo(endpoint.AppId))
            {
                _logger.LogWarning("{App}: subscription to {Pubsub}/{Topic} skipped: pubsub not found", endpoint.AppId, subscription.PubsubName, subscription.Topic);
                continue;
            }

            if (!component.CanSubscribe(endpoint.AppId, subscription.Topic))
            {
                continue; // daprd silently skips subscriptions outside the component's topic scopes
            }

            var groups = _topics.GetOrAdd((subscription.PubsubName, subscription.Topic), _ => new(StringComparer.Ordinal));
            var group = groups.GetOrAdd(endpoint.AppId, app => new ConsumerGroup(this, component, subscription.Topic, app));
            group.Subscription = subscription;
            group.Add(replica);
        }
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
        }
    }

    /// <summary>Subscriptions active for an app id (what GetMetadata reports).</summary>
    public IReadOnlyList<Subscription> SubscriptionsOf(string appId) =>
        _topics.Values.SelectMany(g => g.Values).Where(g => g.AppId == appId).Select(g => g.Subscription!).Where(s => s is not null).ToList();

    /// <summary>Hands the bytes to every consumer group of the topic (the envelope is already built).</summary>
    public void Publish(string pubsubName, string topic, byte[] data, string contentType, IReadOnlyDictionary<string, string> metadata, string publisherAppId)
    {
        if (Faults.ShouldFailPublish(topic))
        {
            Counters.PublishFailed(pubsubName, topic, publisherAppId);
            throw new BrokerPublishException("injected publish failure");
        }

        Counters.Published(pubsubName, topic, publisherAppId);
        Enqueue(new BrokerMessage(pubsubName, topic, data, contentType, metadata));
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
        var dispatchers = _topics.Values.SelectMany(g => g.Values).Select(g => g.Dispatcher).ToArray();
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
                group.Queue.Writer.TryWrite(new Pending(message, 0));
            }
        }
    }

    private sealed record BrokerMessage(string Pubsub, string Topic, byte[] Data, string ContentType, IReadOnlyDictionary<string, string> Metadata);

    private sealed record Pending(BrokerMessage Message, int Redeliveries);

    private sealed class Replica(ISubscriberEndpoint endpoint, SubscriberOptions options)
    {
        public ISubscriberEndpoint Endpoint { get; } = endpoint;

        public SemaphoreSlim? Slots { get; } = options.MaxConcurrency is { } n && n > 0 ? new SemaphoreSlim(n) : null;

        /// <summary><see cref="Environment.TickCount64"/> until which the replica is skipped after a connection failure.</summary>
        public long SuspectUntil { get; set; }
    }

    private sealed class ConsumerGroup
    {
        private readonly PubSubBroker _broker;
        private readonly PubsubComponent _component;
        private readonly BrokerRedelivery _redelivery;
        private readonly SemaphoreSlim _topicSlots;
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
            _topicSlots = new SemaphoreSlim(Math.Min(_redelivery.TopicConcurrency, 1024));
            Dispatcher = Task.Run(RunAsync);
        }

        public string Topic { get; }

        public string AppId { get; }

        public Subscription? Subscription { get; set; }

        public Channel<Pending> Queue { get; } = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

        public Task Dispatcher { get; }

        private string Pubsub => _component.Name;

        private PubSubCounters Counters => _broker.Counters;

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

        private async Task<Replica> NextReplicaAsync(CancellationToken cancellationToken)
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
                        for (var i = 0; i < _replicas.Count; i++)
                        {
                            var candidate = _replicas[(int)((uint)_next++ % (uint)_replicas.Count)];
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

        private async Task RunAsync()
        {
            var stop = _broker._stop.Token;
            var batch = new List<Pending>();
            try
            {
                while (await Queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    batch.Clear();
                    var window = Math.Max(1, _broker.Faults.ReorderWindowFor(Topic, AppId));
                    while (batch.Count < window && Queue.Reader.TryRead(out var pending))
                    {
                        batch.Add(pending);
                    }

                    if (batch.Count > 1)
                    {
                        _broker.Faults.Shuffle(batch);
                    }

                    foreach (var pending in batch)
                    {
                        await _topicSlots.WaitAsync(stop).ConfigureAwait(false);
                        if (_redelivery.TopicConcurrency == 1)
                        {
                            await ProcessAsync(pending, stop).ConfigureAwait(false); // sequential topic: no hand-off needed
                        }
                        else
                        {
                            _ = ProcessAsync(pending, stop);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // broker disposed
            }
        }

        private async Task ProcessAsync(Pending pending, CancellationToken stop)
        {
            var settled = true;
            try
            {
                var inline = 0;
                while (true)
                {
                    if (await HandleAsync(pending.Message, stop).ConfigureAwait(false))
                    {
                        break;
                    }

                    // daprd returned the error to the component: apply the component type's redelivery rule.
                    if (_redelivery.InlineRetries < 0 || inline < _redelivery.InlineRetries)
                    {
                        inline++;
                        Counters.Retried(Pubsub, Topic, AppId);
                        // The component sleeps in wall-clock time (daprd's in-memory/Kafka retry loops), not on the cluster clock.
                        await Task.Delay(_redelivery.InlineDelay, TimeProvider.System, stop).ConfigureAwait(false);
                        continue;
                    }

                    if (_redelivery.RequeueAfter is { } after)
                    {
                        settled = false;
                        Counters.Retried(Pubsub, Topic, AppId);
                        _ = RequeueAsync(pending with { Redeliveries = pending.Redeliveries + 1 }, after, stop);
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
                _topicSlots.Release();
                if (settled)
                {
                    Interlocked.Decrement(ref _broker._outstanding);
                }
            }
        }

        private async Task RequeueAsync(Pending pending, TimeSpan after, CancellationToken stop)
        {
            try
            {
                if (after > TimeSpan.Zero)
                {
                    await Task.Delay(after, _broker._time, stop).ConfigureAwait(false);
                }

                Queue.Writer.TryWrite(pending);
            }
            catch (OperationCanceledException)
            {
                // broker disposed
            }
        }

        /// <summary>One pass of daprd's subscription handler; true = acknowledge to the broker.</summary>
        private async Task<bool> HandleAsync(BrokerMessage message, CancellationToken stop)
        {
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
                    ct => AttemptAsync(request, ct),
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

        private async Task<bool> AttemptAsync(DeliveryRequest request, CancellationToken cancellationToken)
        {
            while (true)
            {
                var replica = await NextReplicaAsync(cancellationToken).ConfigureAwait(false);
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
