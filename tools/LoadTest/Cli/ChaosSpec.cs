namespace Flipkart.LoadTest.Cli;

public enum ChaosKind
{
    /// <summary>SIGKILL one service replica a moment into the sale; restart it after a delay (or not).</summary>
    Kill,

    /// <summary>The embedded broker's fault injection for the length of the sale (duplicate, reorder, delay, fail ...).</summary>
    PubSub,

    /// <summary>The embedded sidecars' invocation fault for the length of the sale: the callee runs, its reply is lost, the caller retries.</summary>
    Invoke,

    /// <summary>A payment provider slower than the sidecar's delivery timeout, with reservations shorter than it.</summary>
    SlowPayment,

    /// <summary>Payment latency equal to the reservation timeout, so late payments race the expiry.</summary>
    ExpiryRace,
}

/// <summary>
/// A fault injected into a flash sale (<c>--chaos</c>): <c>kill:&lt;app-id&gt;[#n]</c>, <c>pubsub:&lt;faults&gt;</c> (the embedded
/// sidecar's fault text, e.g. <c>duplicate=1</c>), <c>invoke:&lt;faults&gt;</c> (e.g. <c>loseEvery=5</c>: every fifth call
/// between services runs but its reply is lost), <c>slow-payment</c> or <c>expiry-race</c>.
/// </summary>
public sealed record ChaosSpec(ChaosKind Kind, string Text, string? Replica = null, string? Faults = null)
{
    public static readonly IReadOnlyList<string> AppIds = ["gateway", "catalog", "cart", "inventory", "ordering", "payment", "notification"];

    /// <summary>How far into the sale a kill lands: buyers are in flight, orders at every step of the saga.</summary>
    public static readonly TimeSpan KillDelay = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Orders may legitimately end Cancelled (PaymentFailed, ReservationExpired) and units stay unsold: the invariant
    /// checker relaxes "exactly K Confirmed" for these scenarios only.
    /// </summary>
    public bool PaymentFaults => Kind is ChaosKind.SlowPayment or ChaosKind.ExpiryRace;

    /// <summary>
    /// How long after the system looks settled the read-back looks once more: a payment slower than the reservation
    /// is charged (and must be refunded) long after its order was cancelled, so the slow provider's 12 s plus the
    /// delivery timeout; a few seconds for everything else (late duplicates).
    /// </summary>
    public TimeSpan RereadAfter => Kind switch
    {
        ChaosKind.SlowPayment => TimeSpan.FromSeconds(30),
        ChaosKind.ExpiryRace => TimeSpan.FromSeconds(5),
        _ => TimeSpan.FromSeconds(2),
    };

    /// <summary>Replica index the kill targets (1 = the first process of the app-id).</summary>
    public int ReplicaNumber => Replica is { } r && r.IndexOf('#') is var hash and > 0 ? int.Parse(r[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 1;

    /// <summary>Settings the scenario needs in the services' environment (applied when the local run starts).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> AppEnvironment => Kind switch
    {
        // 12 s is above the 10 s delivery timeout of the resiliency policy; 4 s reservations expire first.
        ChaosKind.SlowPayment => new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["payment"] = new Dictionary<string, string> { ["PaymentOptions__Latency"] = "00:00:12" },
            ["ordering"] = new Dictionary<string, string> { ["OrderingOptions__ReservationTimeout"] = "00:00:04" },
        },
        ChaosKind.ExpiryRace => new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["payment"] = new Dictionary<string, string> { ["PaymentOptions__Latency"] = "00:00:01.500" },
            ["ordering"] = new Dictionary<string, string> { ["OrderingOptions__ReservationTimeout"] = "00:00:01.500" },
        },
        _ => new Dictionary<string, IReadOnlyDictionary<string, string>>(),
    };

    public static ChaosSpec Parse(string text)
    {
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':');
        var kind = (colon < 0 ? trimmed : trimmed[..colon]).ToLowerInvariant();
        var argument = colon < 0 ? null : trimmed[(colon + 1)..].Trim();
        switch (kind)
        {
            case "kill":
                if (string.IsNullOrEmpty(argument))
                {
                    throw new ArgumentException("--chaos kill:<app-id>[#n], e.g. kill:inventory or kill:payment#2.");
                }
                var hash = argument.IndexOf('#');
                var appId = (hash < 0 ? argument : argument[..hash]).ToLowerInvariant();
                if (!AppIds.Contains(appId))
                {
                    throw new ArgumentException($"--chaos kill: unknown app-id '{appId}' ({string.Join(", ", AppIds)}).");
                }
                if (hash < 0)
                {
                    return new ChaosSpec(ChaosKind.Kill, trimmed, appId);
                }
                if (!int.TryParse(argument[(hash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                {
                    throw new ArgumentException($"--chaos {trimmed}: the replica after '#' is a number from 1 (#2 = the second process of {appId}).");
                }
                // LocalRun names the first replica by its app-id and the others <app-id>#<n>.
                return new ChaosSpec(ChaosKind.Kill, trimmed, n == 1 ? appId : $"{appId}#{n}");
            case "pubsub":
                if (string.IsNullOrEmpty(argument) || !argument.Contains('=', StringComparison.Ordinal))
                {
                    throw new ArgumentException("--chaos pubsub:<faults>, e.g. pubsub:duplicate=1, pubsub:reorder=8, pubsub:failDeliveries=20, pubsub:failPublishesFor=3s.");
                }
                return new ChaosSpec(ChaosKind.PubSub, trimmed, Faults: argument);
            case "invoke":
                if (string.IsNullOrEmpty(argument) || !argument.Contains('=', StringComparison.Ordinal))
                {
                    throw new ArgumentException("--chaos invoke:<faults>, e.g. invoke:loseEvery=5, invoke:loseReplies=20,target=inventory, invoke:loseRepliesFor=3s.");
                }
                return new ChaosSpec(ChaosKind.Invoke, trimmed, Faults: argument);
            case "slow-payment" when argument is null:
                return new ChaosSpec(ChaosKind.SlowPayment, trimmed);
            case "expiry-race" when argument is null:
                return new ChaosSpec(ChaosKind.ExpiryRace, trimmed);
            default:
                throw new ArgumentException($"Unknown --chaos '{text}' (kill:<app-id>[#n], pubsub:<faults>, invoke:<faults>, slow-payment, expiry-race).");
        }
    }
}
