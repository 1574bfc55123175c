using System.Globalization;
using System.Text.RegularExpressions;
using Flipkart.ComponentLint.Resources;
using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Linting;

/// <summary>
/// What daprd's outbox does with a transaction that fails or is slow (dapr pkg/runtime/pubsub/outbox.go @ v1.18.3). The
/// event is handed to the broker <b>before</b> the commit, with the id of a marker the transaction writes; a relay in
/// daprd sleeps 1 s, polls the store for the marker (0.5 s × 3 back-off, ±10 %, at most 3 s apart) and stops once
/// 10 s of polling would have passed — its last look can come 8.2 s after it took the hand-off. A hand-off whose
/// marker it never saw is an error handed back to the broker, or dropped with <c>outboxDiscardWhenMissingState</c>.
/// </summary>
public static partial class OutboxRelay
{
    /// <summary>A commit landing later than this after its hand-off may be missed by the relay.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(8);

    /// <summary>What the outbox's broker does with a hand-off daprd keeps failing (no marker ever appears).</summary>
    public static string OrphanFate(DaprComponent? pubsub) => pubsub?.Type.ToLowerInvariant() switch
    {
        "pubsub.kafka" when DaprComponent.Truthy(pubsub.Value("consumeRetryEnabled") ?? "true") =>
            "pubsub.kafka (consumeRetryEnabled) retries it forever and holds its partition: every later event of the store waits behind it",
        "pubsub.kafka" => "pubsub.kafka skips it",
        "pubsub.redis" => "pubsub.redis leaves it pending and redelivers it every processingTimeout, forever, each time holding a relay worker for ~10 s",
        "pubsub.rabbitmq" when pubsub.IsTruthy("requeueInFailure") => "pubsub.rabbitmq requeues it, forever",
        "pubsub.rabbitmq" when pubsub.IsTruthy("enableDeadLetter") => "pubsub.rabbitmq moves it to the dead-letter queue, where it piles up",
        { } type => $"{type} is left to deal with it",
        null => "the broker is left to deal with it",
    };

    /// <summary>
    /// The longest a transaction on <paramref name="store"/> can take, by the Resiliency policies <paramref name="appId"/>'s
    /// daprd applies to it (timeout per attempt × attempts + the longest back-offs), or null with the reason it is unbounded.
    /// </summary>
    public static (TimeSpan? Worst, string Explanation) WorstCommit(Profile profile, string store, string appId)
    {
        var documents = profile.Resources
            .Where(r => r.Kind == "Resiliency" && (r.Scopes.Count == 0 || r.Scopes.Contains(appId, StringComparer.Ordinal)))
            .ToList();
        var (timeoutName, timeout) = Resolve(documents, store, "timeout", "timeouts", "Timeout");
        var (retryName, retry) = Resolve(documents, store, "retry", "retries", "Retry");
        if (timeout is not string timeoutText || !TryParseDuration(timeoutText, out var perAttempt))
        {
            return (null, $"{store}'s transactions have no timeout in the Resiliency policies, so one can land any time after its hand-off");
        }

        var retryMap = retry as IReadOnlyDictionary<string, object?>;
        var maxRetries = retryMap is null ? 0 : long.TryParse(retryMap.Str("maxRetries"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : -1;
        if (maxRetries < 0)
        {
            return (null, $"retry policy '{retryName}' of {store} has no maxRetries, so daprd retries a failing transaction forever");
        }

        var worst = perAttempt * (maxRetries + 1);
        for (var i = 0; i < maxRetries; i++)
        {
            worst += LongestBackOff(retryMap!, i);
        }

        var how = retryMap is null
            ? $"timeout '{timeoutName}' {timeoutText}, no retries"
            : $"timeout '{timeoutName}' {timeoutText} × {maxRetries + 1} attempts + back-off of retry '{retryName}'";
        return (worst, how);
    }

    // daprd's order of defaults for a state store's outbound policy (pkg/resiliency/resiliency.go).
    private static (string? Name, object? Value) Resolve(IReadOnlyList<DaprResource> documents, string store, string kind, string section, string suffix)
    {
        foreach (var document in documents)
        {
            var policies = document.Spec.Map("policies").Map(section);
            var named = document.Spec.Map("targets").Map("components").Map(store).Map("outbound").Str(kind);
            if (named is not null && policies is not null && policies.TryGetValue(named, out var value))
            {
                return (named, value);
            }
        }

        foreach (var name in new[] { $"DefaultStatestoreComponentOutbound{suffix}Policy", $"DefaultComponentOutbound{suffix}Policy", $"DefaultComponent{suffix}Policy", $"Default{suffix}Policy" })
        {
            foreach (var document in documents)
            {
                if (document.Spec.Map("policies").Map(section) is { } policies && policies.TryGetValue(name, out var value))
                {
                    return (name, value);
                }
            }
        }

        return (null, null);
    }

    // dapr/kit retry: constant `duration` (5 s default), or exponential from `initialInterval` (500 ms) × `multiplier`
    // (1.5) capped at `maxInterval` (60 s), stretched by `randomizationFactor` (0.5) at worst.
    private static TimeSpan LongestBackOff(IReadOnlyDictionary<string, object?> retry, int attempt)
    {
        if (!string.Equals(retry.Str("policy"), "exponential", StringComparison.OrdinalIgnoreCase))
        {
            return Duration(retry, "duration", TimeSpan.FromSeconds(5));
        }

        var initial = Duration(retry, "initialInterval", TimeSpan.FromMilliseconds(500));
        var max = Duration(retry, "maxInterval", TimeSpan.FromSeconds(60));
        var multiplier = double.TryParse(retry.Str("multiplier"), NumberStyles.Float, CultureInfo.InvariantCulture, out var mu) ? mu : 1.5;
        var randomization = double.TryParse(retry.Str("randomizationFactor"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rf) ? rf : 0.5;
        var interval = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(multiplier, attempt));
        return TimeSpan.FromMilliseconds(interval * (1 + randomization));
    }

    private static TimeSpan Duration(IReadOnlyDictionary<string, object?> map, string key, TimeSpan fallback) =>
        map.Str(key) is { } text && TryParseDuration(text, out var value) ? value : fallback;

    /// <summary>Go's <c>time.ParseDuration</c> for the units Resiliency documents use.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var matches = DurationPart().Matches(text.Trim());
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text.Trim())
        {
            return false;
        }

        foreach (Match match in matches)
        {
            var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            value += match.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                "us" or "µs" => TimeSpan.FromMicroseconds(number),
                _ => TimeSpan.FromTicks((long)(number / 100)),
            };
        }

        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex DurationPart();
}
