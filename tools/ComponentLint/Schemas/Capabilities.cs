using Flipkart.ComponentLint.Resources;

namespace Flipkart.ComponentLint.Schemas;

/// <summary>
/// What each component type can actually do, from the components' code (their <c>Features()</c>), not from
/// their metadata.yaml capability lists, which lag behind (Redis' omits TTL). Some capabilities depend on
/// the component's metadata; <see cref="Evaluate"/> says why one is missing.
/// </summary>
public static class Capabilities
{
    public const string Crud = "crud";
    public const string ETag = "etag";
    public const string Transactional = "transactional";
    public const string Ttl = "ttl";
    public const string Query = "query";
    public const string Outbox = "outbox";
    public const string Durable = "durable";

    public static readonly IReadOnlyList<string> StateNeeds = [Crud, ETag, Transactional, Ttl, Query, Outbox];
    public static readonly IReadOnlyList<string> PubSubNeeds = [Durable];

    private static readonly Dictionary<string, string[]> StateTable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["state.in-memory"] = [Crud, ETag, Transactional, Ttl],
        ["state.redis"] = [Crud, ETag, Transactional, Ttl, Query],
        ["state.mysql"] = [Crud, ETag, Transactional, Ttl],
        ["state.postgresql/v1"] = [Crud, ETag, Transactional, Ttl, Query],
        ["state.postgresql/v2"] = [Crud, ETag, Transactional, Ttl],
        ["state.cassandra"] = [Crud, Ttl],
        ["state.mongodb"] = [Crud, ETag, Transactional, Ttl, Query],
    };

    private static readonly Dictionary<string, string[]> PubSubTable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pubsub.in-memory"] = [],
        ["pubsub.redis"] = [Durable],
        ["pubsub.kafka"] = [Durable],
        ["pubsub.rabbitmq"] = [Durable],
    };

    private static readonly Dictionary<string, string> Names = new()
    {
        [Crud] = "CRUD",
        [ETag] = "ETag",
        [Transactional] = "transactions",
        [Ttl] = "TTL",
        [Query] = "the query API",
        [Outbox] = "outbox (it rides on transactions)",
        [Durable] = "durable delivery",
    };

    public static string Display(string capability) => Names.GetValueOrDefault(capability, capability);

    /// <summary>Whether the lint knows the type's capabilities at all.</summary>
    public static bool IsKnown(DaprComponent component) => Base(component) is not null;

    /// <summary>
    /// Null when <paramref name="component"/> has <paramref name="capability"/>; otherwise the reason it
    /// does not. <see cref="Outbox"/> is judged elsewhere (it needs the other components).
    /// </summary>
    public static string? Evaluate(DaprComponent component, string capability)
    {
        var caps = Base(component);
        if (caps is null)
        {
            return $"the lint has no capability data for {component.Type}";
        }
        if (capability == Outbox)
        {
            return caps.Contains(Transactional) ? null : $"{component.Type} has no {Display(Outbox)}";
        }
        if (!caps.Contains(capability))
        {
            return $"{component.Type} has no {Display(capability)}";
        }
        return (component.Type.ToLowerInvariant(), capability) switch
        {
            ("state.redis", Query) when string.IsNullOrWhiteSpace(component.Value("queryIndexes")) =>
                "state.redis serves queries only with `queryIndexes` set (and RedisJSON + RediSearch on the server)",
            ("pubsub.rabbitmq", Durable) => RabbitDurability(component),
            _ => null,
        };
    }

    /// <summary>Joins reasons, folding "X has no A", "X has no B" into "X has no A, no B".</summary>
    public static string Explain(DaprComponent component, IEnumerable<string> reasons)
    {
        var prefix = $"{component.Type} has no ";
        var list = reasons.Distinct().ToList();
        var lacks = list.Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r[prefix.Length..]).ToList();
        var others = list.Where(r => !r.StartsWith(prefix, StringComparison.Ordinal));
        var parts = lacks.Count == 0 ? others : others.Prepend(prefix + string.Join(", no ", lacks));
        return string.Join("; ", parts);
    }

    /// <summary>State store types that have every capability in <paramref name="needed"/>, for "what would satisfy it".</summary>
    public static IReadOnlyList<string> StateTypesWith(IEnumerable<string> needed)
    {
        var wanted = needed.Select(n => n == Outbox ? Transactional : n).ToList();
        return [.. StateTable.Where(kv => wanted.All(kv.Value.Contains)).Select(kv => kv.Key.Replace("/", " ") + (kv.Key == "state.in-memory" ? " (dev only)" : ""))];
    }

    public static IReadOnlyList<string> PubSubTypesWith(IEnumerable<string> needed) =>
        [.. PubSubTable.Where(kv => needed.All(kv.Value.Contains)).Select(kv => kv.Key)];

    private static string[]? Base(DaprComponent component)
    {
        if (StateTable.TryGetValue($"{component.Type}/{component.Version}", out var versioned))
        {
            return versioned;
        }
        return StateTable.TryGetValue(component.Type, out var state) ? state
            : PubSubTable.TryGetValue(component.Type, out var pubsub) ? pubsub
            : null;
    }

    // RabbitMQ keeps events only if exchanges/queues are durable, queues outlive their consumers, and
    // messages are persistent.
    private static string? RabbitDurability(DaprComponent rabbit)
    {
        var problems = new List<string>();
        if (rabbit.Value("durable") is { } durable && !DaprComponent.Truthy(durable))
        {
            problems.Add("`durable` is false (queues vanish when the broker restarts)");
        }
        if (DaprComponent.Truthy(rabbit.Value("deletedWhenUnused") ?? "true"))
        {
            problems.Add("`deletedWhenUnused` is not \"false\" (a queue is deleted while its app is down)");
        }
        if (rabbit.Value("deliveryMode")?.Trim() != "2")
        {
            problems.Add("`deliveryMode` is not 2 (messages are not persisted)");
        }
        return problems.Count == 0 ? null : "pubsub.rabbitmq is not durable as configured: " + string.Join("; ", problems);
    }
}
