using System.Globalization;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>Raised for a Resiliency document daprd would refuse to load.</summary>
public sealed class ResiliencyLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Status-code lists of <c>matching.httpStatusCodes</c>/<c>gRPCStatusCodes</c>: <c>"429,500-599"</c>.</summary>
public sealed record StatusCodeFilter(IReadOnlyList<(int From, int To)> Ranges)
{
    public bool Contains(int code) => Ranges.Any(r => code >= r.From && code <= r.To);

    public static StatusCodeFilter Parse(string text, int min, int max, string field)
    {
        var ranges = new List<(int, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2, StringSplitOptions.TrimEntries);
            if (!int.TryParse(bounds[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(bounds.Length == 2 ? bounds[1] : bounds[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var to)
                || from < min || to > max || from > to)
            {
                throw new ResiliencyLoadException($"invalid {field} entry '{part}' (allowed {min}-{max})");
            }

            ranges.Add((from, to));
        }

        return new StatusCodeFilter(ranges);
    }
}

/// <summary>A retry policy with daprd's defaults (constant 5 s; exponential 500 ms × 1.5 ± 50 %, ≤ 60 s, ≤ 15 min; unlimited retries).</summary>
public sealed record RetrySpec(
    string Name,
    bool Exponential,
    TimeSpan Duration,
    TimeSpan InitialInterval,
    double RandomizationFactor,
    double Multiplier,
    TimeSpan MaxInterval,
    TimeSpan MaxElapsedTime,
    int MaxRetries,
    StatusCodeFilter? HttpStatusCodes,
    StatusCodeFilter? GrpcStatusCodes)
{
    /// <summary>daprd: without <c>matching</c> every error retries; with it, coded errors retry only when listed.</summary>
    public bool ShouldRetry(int? statusCode)
    {
        if (statusCode is not { } code || (HttpStatusCodes is null && GrpcStatusCodes is null))
        {
            return true;
        }

        return code <= 16
            ? GrpcStatusCodes?.Contains(code) ?? false
            : HttpStatusCodes?.Contains(code) ?? false;
    }

    /// <summary>Delay before retry number <paramref name="attempt"/> (0-based), as cenkalti/backoff computes it.</summary>
    public TimeSpan DelayFor(int attempt, Random random)
    {
        if (!Exponential)
        {
            return Duration;
        }

        var interval = InitialInterval.TotalMilliseconds * Math.Pow(Multiplier, attempt);
        interval = Math.Min(interval, MaxInterval.TotalMilliseconds);
        var delta = RandomizationFactor * interval;
        var randomized = interval - delta + (random.NextDouble() * ((2 * delta) + 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, randomized));
    }
}

/// <summary>A circuit breaker policy (gobreaker semantics). Trip = CEL over the breaker counts.</summary>
public sealed record CircuitBreakerSpec(string Name, uint MaxRequests, TimeSpan Interval, TimeSpan Timeout, CelExpression Trip);

/// <summary>Policy names a target refers to.</summary>
public sealed record TargetPolicies(string? Timeout, string? Retry, string? CircuitBreaker);

/// <summary>One <c>kind: Resiliency</c> document.</summary>
public sealed class ResiliencyDocument
{
    public static readonly IReadOnlyCollection<string> BreakerVariables =
        ["requests", "totalSuccesses", "totalFailures", "consecutiveSuccesses", "consecutiveFailures"];

    public required string Name { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public Dictionary<string, TimeSpan> Timeouts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RetrySpec> Retries { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, CircuitBreakerSpec> CircuitBreakers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TargetPolicies> Apps { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TargetPolicies> Actors { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TargetPolicies> ComponentsInbound { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TargetPolicies> ComponentsOutbound { get; } = new(StringComparer.Ordinal);

    public bool AppliesTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    /// <summary>Parses a document converted from YAML to JSON (scalars may be strings or numbers).</summary>
    public static ResiliencyDocument Parse(JsonObject document)
    {
        var name = Str(Obj(document, "metadata"), "name") ?? "(unnamed)";
        try
        {
            return ParseCore(document, name);
        }
        catch (Exception ex) when (ex is FormatException or CelParseException)
        {
            throw new ResiliencyLoadException($"resiliency {name}: {ex.Message}", ex);
        }
    }

    private static ResiliencyDocument ParseCore(JsonObject document, string name)
    {
        var result = new ResiliencyDocument
        {
            Name = name,
            Scopes = Obj(document, "scopes") is null && document["scopes"] is JsonArray scopes
                ? scopes.Select(s => s?.ToString() ?? "").Where(s => s.Length > 0).ToList()
                : [],
        };
        var spec = Obj(document, "spec") ?? throw new ResiliencyLoadException($"resiliency {name}: missing spec");
        var policies = Obj(spec, "policies");

        foreach (var (policyName, value) in Obj(policies, "timeouts") ?? [])
        {
            result.Timeouts[policyName] = GoDuration.Parse(value?.ToString() ?? "");
        }

        foreach (var (policyName, value) in Obj(policies, "retries") ?? [])
        {
            result.Retries[policyName] = ParseRetry(policyName, value as JsonObject ?? []);
        }

        foreach (var (policyName, value) in Obj(policies, "circuitBreakers") ?? [])
        {
            var cb = value as JsonObject ?? [];
            result.CircuitBreakers[policyName] = new CircuitBreakerSpec(
                policyName,
                uint.Parse(Str(cb, "maxRequests") ?? "1", CultureInfo.InvariantCulture),
                Duration(cb, "interval", TimeSpan.Zero),
                Duration(cb, "timeout", TimeSpan.FromSeconds(60)),
                CelExpression.Parse(Str(cb, "trip") ?? "consecutiveFailures > 5", BreakerVariables));
        }

        var targets = Obj(spec, "targets");
        foreach (var (appId, value) in Obj(targets, "apps") ?? [])
        {
            result.Apps[appId] = Target(result, $"apps.{appId}", value as JsonObject);
        }

        foreach (var (actorType, value) in Obj(targets, "actors") ?? [])
        {
            result.Actors[actorType] = Target(result, $"actors.{actorType}", value as JsonObject);
        }

        foreach (var (component, value) in Obj(targets, "components") ?? [])
        {
            if (Obj(value as JsonObject, "inbound") is { } inbound)
            {
                result.ComponentsInbound[component] = Target(result, $"components.{component}.inbound", inbound);
            }

            if (Obj(value as JsonObject, "outbound") is { } outbound)
            {
                result.ComponentsOutbound[component] = Target(result, $"components.{component}.outbound", outbound);
            }
        }

        return result;
    }

    private static RetrySpec ParseRetry(string name, JsonObject retry)
    {
        var policy = (Str(retry, "policy") ?? "constant").ToLowerInvariant();
        if (policy is not ("constant" or "exponential"))
        {
            throw new ResiliencyLoadException($"retry {name}: unknown policy '{policy}' (constant or exponential)");
        }

        var matching = Obj(retry, "matching");
        var http = Str(matching, "httpStatusCodes");
        var grpc = Str(matching, "gRPCStatusCodes");
        return new RetrySpec(
            name,
            policy == "exponential",
            Duration(retry, "duration", TimeSpan.FromSeconds(5)),
            Duration(retry, "initialInterval", TimeSpan.FromMilliseconds(500)),
            Double(retry, "randomizationFactor", 0.5),
            Double(retry, "multiplier", 1.5),
            Duration(retry, "maxInterval", TimeSpan.FromSeconds(60)),
            Duration(retry, "maxElapsedTime", TimeSpan.FromMinutes(15)),
            int.Parse(Str(retry, "maxRetries") ?? "-1", CultureInfo.InvariantCulture),
            string.IsNullOrWhiteSpace(http) ? null : StatusCodeFilter.Parse(http, 100, 599, "httpStatusCodes"),
            string.IsNullOrWhiteSpace(grpc) ? null : StatusCodeFilter.Parse(grpc, 0, 16, "gRPCStatusCodes"));
    }

    private static TargetPolicies Target(ResiliencyDocument doc, string where, JsonObject? target)
    {
        var policies = new TargetPolicies(Str(target, "timeout"), Str(target, "retry"), Str(target, "circuitBreaker"));
        if (policies.Timeout is { } t && !doc.Timeouts.ContainsKey(t) && !GoDuration.TryParse(t, out _))
        {
            throw new ResiliencyLoadException($"resiliency {doc.Name}: target {where} references unknown timeout policy '{t}'");
        }

        if (policies.Retry is { } r && !doc.Retries.ContainsKey(r))
        {
            throw new ResiliencyLoadException($"resiliency {doc.Name}: target {where} references unknown retry policy '{r}'");
        }

        if (policies.CircuitBreaker is { } c && !doc.CircuitBreakers.ContainsKey(c))
        {
            throw new ResiliencyLoadException($"resiliency {doc.Name}: target {where} references unknown circuit breaker policy '{c}'");
        }

        return policies;
    }

    private static JsonObject? Obj(JsonObject? parent, string name)
    {
        if (parent is null)
        {
            return null;
        }

        foreach (var (key, value) in parent)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value as JsonObject;
            }
        }

        return null;
    }

    private static string? Str(JsonObject? parent, string name)
    {
        if (parent is null)
        {
            return null;
        }

        foreach (var (key, value) in parent)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString();
                return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
            }
        }

        return null;
    }

    private static TimeSpan Duration(JsonObject obj, string name, TimeSpan fallback) =>
        Str(obj, name) is { } text ? GoDuration.Parse(text) : fallback;

    private static double Double(JsonObject obj, string name, double fallback) =>
        Str(obj, name) is { } text ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;
}
