using System.Globalization;
using Flipkart.EmbeddedDapr.Resiliency;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// What a component type does with messages: how many are handled at once, in which order, and what happens to one
/// that daprd handed back as failed (see <see cref="PubsubComponent.Redelivery"/>).
/// </summary>
/// <param name="InlineRetries">Re-runs of the handler right away by the component (-1 = until it succeeds).</param>
/// <param name="InlineDelay">Wait before inline re-run number n (0-based).</param>
/// <param name="RequeueAfter">Handed out again after this long (Redis pending entries, RabbitMQ requeue); null = never.</param>
/// <param name="PerReplicaConcurrency">Messages one daprd handles at once (per topic, or per component with
/// <paramref name="SharedWorkers"/>); <see cref="int.MaxValue"/> = unbounded.</param>
/// <param name="Sequential">One message at a time in publish order (the in-memory event bus).</param>
/// <param name="Partitioned">Kafka: one ordered lane per partition, each owned by one replica of the consumer group.</param>
/// <param name="SharedWorkers">Redis: the <c>concurrency</c> workers of a daprd serve every topic it subscribes to.</param>
/// <param name="DeadLetterQueue">RabbitMQ <c>enableDeadLetter</c>: a NACKed message moves to <c>dlq-&lt;queue&gt;</c>, which no
/// subscription reads.</param>
public sealed record BrokerRedelivery(
    int InlineRetries,
    Func<int, TimeSpan> InlineDelay,
    TimeSpan? RequeueAfter,
    int PerReplicaConcurrency,
    string Description,
    bool Sequential = false,
    bool Partitioned = false,
    bool SharedWorkers = false,
    bool DeadLetterQueue = false);

/// <summary>
/// A loaded <c>pubsub.*</c> component. Every type is served by the one in-memory broker of the cluster, but each
/// keeps its type's visible delivery rules (ordering, concurrency and what happens after daprd gives up), as the
/// components-contrib code at v1.18 does it (tools/EmbeddedDapr/FIDELITY.md names the files):
/// <list type="bullet">
/// <item><c>pubsub.in-memory</c>: one message at a time per topic; a failed handler is only logged, the message is
/// lost (the component's 10 re-runs were removed in components-contrib 1.17).</item>
/// <item><c>pubsub.redis</c>: <c>concurrency</c> workers (10) per daprd shared by all its topics; a failed message
/// stays pending and is redelivered after max(<c>processingTimeout</c> 15 s, <c>redeliverInterval</c> 60 s);
/// <c>redeliverInterval: 0</c> = never.</item>
/// <item><c>pubsub.kafka</c>: partitions (1 unless <see cref="PubSubBroker.SetPartitions"/>), each handled in order by one
/// replica; <c>consumeRetryEnabled</c> (true unless set false) re-runs a failed message with the <c>backOff*</c>
/// settings (constant 5 s, forever) and holds its partition meanwhile; otherwise the message is skipped.</item>
/// <item><c>pubsub.rabbitmq</c>: parallel up to <c>prefetchCount</c> per daprd (or <c>concurrencyMode: single</c>); a
/// NACKed message is requeued with <c>requeueInFailure</c>, moved to <c>dlq-&lt;queue&gt;</c> with
/// <c>enableDeadLetter</c> (nothing reads it), else discarded.</item>
/// <item>other <c>pubsub.*</c> types: parallel, failed messages are lost.</item>
/// </list>
/// Unlike a real in-memory component (private to one daprd), the emulator's broker is shared by all sidecars of
/// the cluster, as a Redis or Kafka broker would be — that is what lets apps talk to each other in the local run.
/// </summary>
public sealed record PubsubComponent(string Name, string Type, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<string> Scopes)
{
    public bool VisibleTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    /// <summary>RabbitMQ handles message TTL itself (MESSAGE_TTL feature); for the others daprd writes <c>expiration</c>.</summary>
    public bool HandlesMessageTtl => Type == "pubsub.rabbitmq";

    public string? Meta(string name) =>
        Metadata.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } v ? v : null;

    public bool IsKafka => Type == "pubsub.kafka";

    public BrokerRedelivery Redelivery => Type switch
    {
        "pubsub.in-memory" => new BrokerRedelivery(0, NoDelay, null, 1, "lost (the component only logs the handler's error)", Sequential: true),
        "pubsub.redis" => RedisRedelivery(),
        "pubsub.kafka" => KafkaRedelivery(),
        "pubsub.rabbitmq" => RabbitRedelivery(),
        _ => new BrokerRedelivery(0, NoDelay, null, int.MaxValue, "lost"),
    };

    private static readonly Func<int, TimeSpan> NoDelay = _ => TimeSpan.Zero;

    private BrokerRedelivery RedisRedelivery()
    {
        var concurrency = int.TryParse(Meta("concurrency"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 10;
        var interval = Duration("redeliverInterval", TimeSpan.FromSeconds(60));
        var timeout = Duration("processingTimeout", TimeSpan.FromSeconds(15));
        return interval <= TimeSpan.Zero
            ? new BrokerRedelivery(0, NoDelay, null, concurrency, "left pending (redeliverInterval 0)", SharedWorkers: true)
            : new BrokerRedelivery(0, NoDelay, interval > timeout ? interval : timeout, concurrency, "redelivered after the processing timeout", SharedWorkers: true);
    }

    // common/component/kafka: consumeRetryEnabled (pubsub.kafka's default is true) re-runs the handler with the
    // backOff* config (dapr/kit retry.DefaultConfig: constant 5 s, no retry limit) while the partition waits.
    // consumeRetryInterval is NOT that wait: it only paces re-joining the consumer group after a session error.
    private BrokerRedelivery KafkaRedelivery()
    {
        if (!Truthy(Meta("consumeRetryEnabled") ?? "true"))
        {
            return new BrokerRedelivery(0, NoDelay, null, 1, "skipped (consumeRetryEnabled false)", Partitioned: true);
        }

        var maxRetries = long.TryParse(Meta("backOffMaxRetries"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : -1;
        var exponential = string.Equals(Meta("backOffPolicy"), "exponential", StringComparison.OrdinalIgnoreCase);
        var constant = Duration("backOffDuration", TimeSpan.FromSeconds(5));
        var initial = Duration("backOffInitialInterval", TimeSpan.FromMilliseconds(500));
        var max = Duration("backOffMaxInterval", TimeSpan.FromSeconds(60));
        Func<int, TimeSpan> delay = exponential
            ? n => TimeSpan.FromTicks(Math.Min(max.Ticks, (long)(initial.Ticks * Math.Pow(1.5, n))))
            : _ => constant;
        var retries = maxRetries < 0 ? -1 : (int)Math.Min(maxRetries, int.MaxValue);
        return new BrokerRedelivery(retries, delay, null, 1,
            retries < 0 ? "retried until it succeeds, holding its partition (consumeRetryEnabled)" : $"retried {retries} times, then skipped",
            Partitioned: true);
    }

    private BrokerRedelivery RabbitRedelivery()
    {
        var single = string.Equals(Meta("concurrencyMode"), "single", StringComparison.OrdinalIgnoreCase);
        var prefetch = int.TryParse(Meta("prefetchCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : int.MaxValue;
        if (Truthy(Meta("requeueInFailure")))
        {
            return new BrokerRedelivery(0, NoDelay, TimeSpan.Zero, single ? 1 : prefetch, "requeued (requeueInFailure)", Sequential: single);
        }

        return Truthy(Meta("enableDeadLetter"))
            ? new BrokerRedelivery(0, NoDelay, null, single ? 1 : prefetch, "moved to the dead-letter queue dlq-<queue> (enableDeadLetter), which nothing consumes",
                Sequential: single, DeadLetterQueue: true)
            : new BrokerRedelivery(0, NoDelay, null, single ? 1 : prefetch, "discarded (NACK without requeue)", Sequential: single);
    }

    private TimeSpan Duration(string name, TimeSpan fallback)
    {
        var text = Meta(name);
        if (text is null)
        {
            return fallback;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return GoDuration.TryParse(text, out var d) ? d : fallback;
    }

    private static bool Truthy(string? value) => value?.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "y";

    /// <summary>Topic permission for publishing, from <c>allowedTopics</c>, <c>publishingScopes</c>, <c>protectedTopics</c>.</summary>
    public bool CanPublish(string appId, string topic) => TopicAllowed(appId, topic, "publishingScopes");

    /// <summary>Topic permission for subscribing, from <c>allowedTopics</c>, <c>subscriptionScopes</c>, <c>protectedTopics</c>.</summary>
    public bool CanSubscribe(string appId, string topic) => TopicAllowed(appId, topic, "subscriptionScopes");

    /// <summary>
    /// daprd's <c>IsOperationAllowed</c> (dapr/dapr pkg/runtime/pubsub/adapter.go) over <c>GetScopedTopics</c>
    /// (pkg/scopes/scopes.go): a topic outside a non-empty <c>allowedTopics</c> is refused first; then an app without
    /// scoped topics may use any topic that is not protected; otherwise only the topics its entries list. Spaces are
    /// removed, entries without <c>=</c> are ignored, and several entries of one app add up; <c>app=</c> lists the
    /// empty topic, so that app may use none.
    /// </summary>
    private bool TopicAllowed(string appId, string topic, string scopesKey)
    {
        var allowed = List(Meta("allowedTopics"));
        if (allowed.Count > 0 && !allowed.Contains(topic))
        {
            return false;
        }

        var scoped = Scoped(Meta(scopesKey)).GetValueOrDefault(appId) ?? [];
        var isProtected = List(Meta("protectedTopics")).Contains(topic);
        if (!isProtected && scoped.Count == 0)
        {
            return true;
        }

        return scoped.Contains(topic);
    }

    private static List<string> List(string? csv) =>
        csv is null ? [] : csv.Replace(" ", "", StringComparison.Ordinal).Split(',').Distinct().ToList();

    private static Dictionary<string, List<string>> Scoped(string? text)
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in (text ?? "").Replace(" ", "", StringComparison.Ordinal).Split(';'))
        {
            var pair = entry.Split('=');
            if (pair.Length < 2)
            {
                continue;
            }

            var topics = map.TryGetValue(pair[0], out var existing) ? existing : map[pair[0]] = [];
            topics.AddRange(pair[1].Split(',').Where(t => !topics.Contains(t)));
        }

        return map;
    }
}
