using System.Collections.Concurrent;

namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>The direction of a component call: outbound = daprd → component, inbound = component → app (pub/sub delivery).</summary>
public enum ComponentDirection { Outbound, Inbound }

/// <summary>
/// Resolves Resiliency policies for the sidecars of one cluster. Documents are scoped per app id; for each target
/// daprd takes the named policies and fills any missing kind by convention (<c>Default&lt;Level&gt;RetryPolicy</c>,
/// <c>…TimeoutPolicy</c>, <c>…CircuitBreakerPolicy</c>, from the most specific level to the empty one).
/// Policy instances are cached per (app id, target) so breaker state persists across calls.
/// </summary>
public sealed class ResiliencyProvider(IEnumerable<ResiliencyDocument> documents, TimeProvider time, Action<string>? breakerOpened = null)
{
    private readonly IReadOnlyList<ResiliencyDocument> _documents = documents.ToList();
    private readonly ConcurrentDictionary<(string App, string Target), ResiliencyPolicy> _cache = new();

    public static ResiliencyProvider Empty { get; } = new([], TimeProvider.System);

    public IReadOnlyList<ResiliencyDocument> Documents => _documents;

    /// <summary>Service invocation from <paramref name="callerAppId"/>'s sidecar to <paramref name="targetAppId"/>.</summary>
    public ResiliencyPolicy ForApp(string callerAppId, string targetAppId) =>
        _cache.GetOrAdd((callerAppId, "app:" + targetAppId), _ =>
            Resolve(callerAppId, $"app {targetAppId}", d => d.Apps.GetValueOrDefault(targetAppId), ["App", ""]));

    /// <summary>Actor invocation of <paramref name="actorType"/> from <paramref name="appId"/>'s sidecar (<c>actors.&lt;type&gt;</c>, then <c>DefaultActor…</c>).</summary>
    public ResiliencyPolicy ForActor(string appId, string actorType) =>
        _cache.GetOrAdd((appId, "actor:" + actorType), _ =>
            Resolve(appId, $"actor {actorType}", d => d.Actors.GetValueOrDefault(actorType), ["Actor", ""]));

    /// <summary>A component call; <paramref name="componentKind"/> is the type prefix, e.g. <c>pubsub</c> or <c>state</c>.</summary>
    public ResiliencyPolicy ForComponent(string appId, string componentName, string componentKind, ComponentDirection direction)
    {
        var dir = direction == ComponentDirection.Inbound ? "Inbound" : "Outbound";
        var kind = componentKind.ToLowerInvariant() switch
        {
            "pubsub" => "Pubsub",
            "state" => "Statestore",
            "secretstores" or "secretstore" => "Secretstore",
            "bindings" or "binding" => "Binding",
            "configuration" => "Configuration",
            "lock" => "Lock",
            var other => char.ToUpperInvariant(other[0]) + other[1..],
        };
        return _cache.GetOrAdd((appId, $"component:{componentName}:{dir}"), _ => Resolve(
            appId,
            $"component {componentName} {dir.ToLowerInvariant()}",
            d => (direction == ComponentDirection.Inbound ? d.ComponentsInbound : d.ComponentsOutbound).GetValueOrDefault(componentName),
            [$"{kind}Component{dir}", $"Component{dir}", "Component", ""]));
    }

    private ResiliencyPolicy Resolve(string appId, string target, Func<ResiliencyDocument, TargetPolicies?> pick, string[] levels)
    {
        var docs = _documents.Where(d => d.AppliesTo(appId)).ToList();
        TimeSpan? timeout = null;
        RetrySpec? retry = null;
        CircuitBreakerSpec? breaker = null;
        foreach (var doc in docs)
        {
            if (pick(doc) is not { } names)
            {
                continue;
            }

            if (timeout is null && names.Timeout is { } t)
            {
                timeout = doc.Timeouts.TryGetValue(t, out var named) ? named : GoDuration.Parse(t);
            }

            retry ??= names.Retry is { } r ? doc.Retries[r] : null;
            breaker ??= names.CircuitBreaker is { } c ? doc.CircuitBreakers[c] : null;
        }

        foreach (var level in levels)
        {
            timeout ??= docs.Select(d => d.Timeouts.TryGetValue($"Default{level}TimeoutPolicy", out var v) ? v : (TimeSpan?)null)
                .FirstOrDefault(v => v is not null);
            retry ??= docs.Select(d => d.Retries.GetValueOrDefault($"Default{level}RetryPolicy")).FirstOrDefault(v => v is not null);
            breaker ??= docs.Select(d => d.CircuitBreakers.GetValueOrDefault($"Default{level}CircuitBreakerPolicy"))
                .FirstOrDefault(v => v is not null);
        }

        return timeout is null && retry is null && breaker is null
            ? ResiliencyPolicy.None
            : new ResiliencyPolicy(target, timeout, retry, breaker, time, breakerOpened is null ? null : report => breakerOpened($"{appId}'s sidecar, {report}"));
    }
}
