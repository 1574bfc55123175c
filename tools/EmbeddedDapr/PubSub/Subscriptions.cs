using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>One routing rule; <see cref="Match"/> null = always true (the default / v1 route).</summary>
public sealed record SubscriptionRule(CelExpression? Match, string Path);

/// <summary>A subscription of one app to one pubsub topic, programmatic or declarative.</summary>
public sealed record Subscription(
    string PubsubName,
    string Topic,
    IReadOnlyList<SubscriptionRule> Rules,
    string? DeadLetterTopic,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Scopes,
    string Origin,
    bool ComponentLevel = false)
{
    public bool RawPayload => CloudEventEnvelope.IsRawPayload(Metadata, out _);

    /// <summary>
    /// A subscription daprd makes on the component itself, not for the app (the outbox's internal topic): no routes,
    /// no resiliency, no dead-letter topic; the handler's error goes straight back to the component.
    /// </summary>
    public static Subscription ForComponent(string pubsubName, string topic, string origin) =>
        new(pubsubName, topic, [new SubscriptionRule(null, "/")], null, new Dictionary<string, string>(), [], origin, ComponentLevel: true);

    public bool AppliesTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);
}

/// <summary>Raised when subscriptions cannot be loaded; daprd refuses to start (declarative) or loads none (programmatic).</summary>
public sealed class SubscriptionLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Parses the app's <c>GET /dapr/subscribe</c> answer and declarative <c>Subscription</c> resources as daprd does.</summary>
public static class SubscriptionParser
{
    public static readonly IReadOnlyCollection<string> EventVariables = ["event"];

    /// <summary>The JSON array from <c>/dapr/subscribe</c>. Field names match case-insensitively (Go's decoder).</summary>
    public static IReadOnlyList<Subscription> ParseProgrammatic(ReadOnlySpan<byte> json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new SubscriptionLoadException($"error deserializing the app's /dapr/subscribe response: {ex.Message}", ex);
        }

        if (root is null)
        {
            return [];
        }

        if (root is not JsonArray array)
        {
            throw new SubscriptionLoadException("error deserializing the app's /dapr/subscribe response: expected a JSON array");
        }

        var result = new List<Subscription>();
        foreach (var item in array)
        {
            if (item is not JsonObject entry)
            {
                throw new SubscriptionLoadException("error deserializing the app's /dapr/subscribe response: expected objects in the array");
            }

            var routes = Get(entry, "routes") as JsonObject;
            if (Get(entry, "bulkSubscribe") is JsonObject bulk && Get(bulk, "enabled") is JsonValue enabled && enabled.ToString() == "true")
            {
                throw new SubscriptionLoadException(
                    $"subscription to {String(entry, "pubsubname")}/{String(entry, "topic")} enables bulkSubscribe, which the embedded sidecar does not deliver");
            }

            var subscription = Build(
                pubsub: String(entry, "pubsubname"),
                topic: String(entry, "topic"),
                route: String(entry, "route"),
                rules: routes is null ? null : Get(routes, "rules") as JsonArray,
                defaultRoute: routes is null ? null : String(routes, "default"),
                deadLetterTopic: String(entry, "deadLetterTopic"),
                metadata: StringMap(Get(entry, "metadata")),
                scopes: [],
                origin: "programmatic");
            if (subscription is not null)
            {
                result.Add(subscription);
            }
        }

        return result;
    }

    /// <summary>A <c>kind: Subscription</c> document (<c>dapr.io/v2alpha1</c> routes, or <c>dapr.io/v1alpha1</c> route).</summary>
    public static Subscription? ParseDeclarative(JsonObject document)
    {
        var name = Get(Get(document, "metadata") as JsonObject, "name")?.ToString() ?? "(unnamed)";
        if (Get(document, "spec") is not JsonObject spec)
        {
            throw new SubscriptionLoadException($"subscription {name}: missing spec");
        }

        var routes = Get(spec, "routes") as JsonObject;
        var scopes = Get(document, "scopes") is JsonArray scopeArray
            ? scopeArray.Select(s => s?.ToString() ?? "").Where(s => s.Length > 0).ToList()
            : [];
        try
        {
            return Build(
                pubsub: String(spec, "pubsubname"),
                topic: String(spec, "topic"),
                route: String(spec, "route"),
                rules: routes is null ? null : Get(routes, "rules") as JsonArray,
                defaultRoute: routes is null ? null : String(routes, "default"),
                deadLetterTopic: String(spec, "deadLetterTopic"),
                metadata: StringMap(Get(spec, "metadata")),
                scopes: scopes,
                origin: $"declarative:{name}");
        }
        catch (CelParseException ex)
        {
            throw new SubscriptionLoadException($"subscription {name}: {ex.Message}", ex);
        }
    }

    /// <summary>Programmatic subscriptions replace declarative ones for the same pubsub and topic.</summary>
    public static IReadOnlyList<Subscription> Merge(IEnumerable<Subscription> declarative, IReadOnlyList<Subscription> programmatic)
    {
        var result = new List<Subscription>(programmatic);
        foreach (var subscription in declarative)
        {
            if (!programmatic.Any(p => p.PubsubName == subscription.PubsubName && p.Topic == subscription.Topic))
            {
                result.Add(subscription);
            }
        }

        return result;
    }

    private static Subscription? Build(
        string pubsub, string topic, string route, JsonArray? rules, string? defaultRoute, string deadLetterTopic,
        IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> scopes, string origin)
    {
        var list = new List<SubscriptionRule>();
        foreach (var rule in rules ?? [])
        {
            if (rule is not JsonObject ruleObject)
            {
                continue;
            }

            var match = String(ruleObject, "match").Trim();
            list.Add(new SubscriptionRule(
                match.Length == 0 ? null : CelExpression.Parse(match, EventVariables),
                String(ruleObject, "path")));
        }

        // The catch-all comes last: routes.default wins over the v1 route field.
        if (!string.IsNullOrEmpty(defaultRoute))
        {
            list.Add(new SubscriptionRule(null, defaultRoute));
        }
        else if (route.Length > 0)
        {
            list.Add(new SubscriptionRule(null, route));
        }

        if (list.Count == 0)
        {
            return null; // daprd: "topic has an empty routes. removing from subscriptions list"
        }

        return new Subscription(pubsub, topic, list, deadLetterTopic.Length == 0 ? null : deadLetterTopic, metadata, scopes, origin);
    }

    private static JsonNode? Get(JsonObject? obj, string name)
    {
        if (obj is null)
        {
            return null;
        }

        if (obj.TryGetPropertyValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in obj)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static string String(JsonObject obj, string name) => Get(obj, name) switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    private static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                map[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
            }
        }

        return map;
    }
}
