using System.Globalization;
using Flipkart.EmbeddedDapr.Resiliency;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>What the in-memory broker does with a message daprd handed back as failed (see <see cref="PubsubComponent.Redelivery"/>).</summary>
public sealed record BrokerRedelivery(int InlineRetries, TimeSpan InlineDelay, TimeSpan? RequeueAfter, int TopicConcurrency, string Description);

/// <summary>
/// A loaded <c>pubsub.*</c> component. Every type is served by the one in-memory broker of the cluster, but each
/// keeps its type's visible delivery rules (ordering/concurrency and what happens after daprd gives up):
/// <list type="bullet">
/// <item><c>pubsub.in-memory</c>: sequential per topic; the component re-runs a failed handler up to 10 times,
/// 100 ms apart, then the message is lost.</item>
/// <item><c>pubsub.redis</c>: <c>concurrency</c> workers (10); a failed message stays pending and is redelivered
/// after max(<c>processingTimeout</c> 15 s, <c>redeliverInterval</c> 60 s); <c>redeliverInterval: 0</c> = never.</item>
/// <item><c>pubsub.kafka</c>: sequential (one partition); <c>consumeRetryEnabled</c> retries forever every
/// <c>consumeRetryInterval</c> (100 ms), otherwise the message is skipped.</item>
/// <item><c>pubsub.rabbitmq</c>: parallel (or <c>concurrencyMode: single</c>); NACK without requeue drops the message
/// unless <c>requeueInFailure</c> is true (immediate requeue).</item>
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

    public BrokerRedelivery Redelivery => Type switch
    {
        "pubsub.in-memory" => new BrokerRedelivery(9, TimeSpan.FromMilliseconds(100), null, 1, "re-run up to 10 times, 100 ms apart, then lost"),
        "pubsub.redis" => RedisRedelivery(),
        "pubsub.kafka" => Truthy(Meta("consumeRetryEnabled"))
            ? new BrokerRedelivery(-1, Duration("consumeRetryInterval", TimeSpan.FromMilliseconds(100)), null, 1, "retried forever (consumeRetryEnabled)")
            : new BrokerRedelivery(0, TimeSpan.Zero, null, 1, "skipped"),
        "pubsub.rabbitmq" => new BrokerRedelivery(
            0, TimeSpan.Zero, Truthy(Meta("requeueInFailure")) ? TimeSpan.Zero : null,
            string.Equals(Meta("concurrencyMode"), "single", StringComparison.OrdinalIgnoreCase) ? 1 : int.MaxValue,
            Truthy(Meta("requeueInFailure")) ? "requeued" : "discarded (NACK without requeue)"),
        _ => new BrokerRedelivery(0, TimeSpan.Zero, null, int.MaxValue, "lost"),
    };

    private BrokerRedelivery RedisRedelivery()
    {
        var concurrency = int.TryParse(Meta("concurrency"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 10;
        var interval = Duration("redeliverInterval", TimeSpan.FromSeconds(60));
        var timeout = Duration("processingTimeout", TimeSpan.FromSeconds(15));
        return interval <= TimeSpan.Zero
            ? new BrokerRedelivery(0, TimeSpan.Zero, null, concurrency, "left pending (redeliverInterval 0)")
            : new BrokerRedelivery(0, TimeSpan.Zero, interval > timeout ? interval : timeout, concurrency, "redelivered after the processing timeout");
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
