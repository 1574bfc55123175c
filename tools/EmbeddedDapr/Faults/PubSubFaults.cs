using System.Globalization;

namespace Flipkart.EmbeddedDapr.Faults;

/// <summary>
/// Faults the in-memory broker injects so tests can prove consumers are idempotent and tolerate disorder.
/// Everything is off by default. <see cref="Topic"/>/<see cref="AppId"/> narrow a fault to one topic or one
/// subscriber app (null = all).
/// </summary>
public sealed record PubSubFaults
{
    public static readonly PubSubFaults None = new();

    /// <summary>Extra copies of every message handed to each subscriber app (1 = every message delivered twice).</summary>
    public int DuplicateDeliveries { get; init; }

    /// <summary>Pause before each delivery attempt.</summary>
    public TimeSpan DeliveryDelay { get; init; }

    /// <summary>Shuffle messages of one topic in batches of up to this many (0 or 1 = keep order).</summary>
    public int ReorderWindow { get; init; }

    /// <summary>The first N delivery attempts fail as if the app answered 500, without calling the app.</summary>
    public int FailFirstDeliveries { get; init; }

    /// <summary>The next N publishes fail with a broker error.</summary>
    public int FailPublishes { get; init; }

    /// <summary>Publishes fail until this instant (cluster time).</summary>
    public DateTimeOffset? FailPublishesUntil { get; init; }

    public string? Topic { get; init; }

    public string? AppId { get; init; }

    /// <summary>Seed for the reorder shuffle so a failing run can be replayed.</summary>
    public int Seed { get; init; } = 17;

    public bool IsEmpty => this with { Seed = 0 } == None with { Seed = 0 };

    /// <summary>
    /// Parses the DevHost flag form, e.g. <c>duplicate=1,delay=50ms,reorder=8,failDeliveries=3,failPublishes=2,
    /// failPublishesFor=30s,topic=orders,app=ordering,seed=3</c>.
    /// </summary>
    public static PubSubFaults Parse(string text, TimeProvider? time = null)
    {
        var faults = new PubSubFaults();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2)
            {
                throw new FormatException($"pub/sub fault '{part}' must be name=value");
            }

            var (name, value) = (pair[0].ToLowerInvariant(), pair[1]);
            faults = name switch
            {
                "duplicate" => faults with { DuplicateDeliveries = Int(name, value) },
                "delay" => faults with { DeliveryDelay = Resiliency.GoDuration.Parse(value) },
                "reorder" => faults with { ReorderWindow = Int(name, value) },
                "faildeliveries" => faults with { FailFirstDeliveries = Int(name, value) },
                "failpublishes" => faults with { FailPublishes = Int(name, value) },
                "failpublishesfor" => faults with
                {
                    FailPublishesUntil = (time ?? TimeProvider.System).GetUtcNow() + Resiliency.GoDuration.Parse(value),
                },
                "topic" => faults with { Topic = value },
                "app" => faults with { AppId = value },
                "seed" => faults with { Seed = Int(name, value) },
                _ => throw new FormatException(
                    $"unknown pub/sub fault '{pair[0]}' (known: duplicate, delay, reorder, failDeliveries, failPublishes, failPublishesFor, topic, app, seed)"),
            };
        }

        return faults;
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new FormatException($"pub/sub fault '{name}' needs a non-negative integer, got '{value}'");
}

/// <summary>Thread-safe holder of the active faults; counts the "first N" budgets down as they are used.</summary>
public sealed class PubSubFaultInjector(TimeProvider time)
{
    private readonly Lock _gate = new();
    private PubSubFaults _faults = PubSubFaults.None;
    private int _deliveryFailuresLeft;
    private int _publishFailuresLeft;
    private Random _random = new(17);

    public PubSubFaults Current
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }
    }

    /// <summary>Replaces the active faults (and resets their counters).</summary>
    public void Set(PubSubFaults faults)
    {
        lock (_gate)
        {
            _faults = faults;
            _deliveryFailuresLeft = faults.FailFirstDeliveries;
            _publishFailuresLeft = faults.FailPublishes;
            _random = new Random(faults.Seed);
        }
    }

    public void Reset() => Set(PubSubFaults.None);

    public int DuplicatesFor(string topic, string appId)
    {
        var faults = Current;
        return Applies(faults, topic, appId) ? faults.DuplicateDeliveries : 0;
    }

    public TimeSpan DelayFor(string topic, string appId)
    {
        var faults = Current;
        return Applies(faults, topic, appId) ? faults.DeliveryDelay : TimeSpan.Zero;
    }

    public int ReorderWindowFor(string topic, string appId)
    {
        var faults = Current;
        return Applies(faults, topic, appId) ? faults.ReorderWindow : 0;
    }

    public void Shuffle<T>(IList<T> items)
    {
        lock (_gate)
        {
            for (var i = items.Count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }

    /// <summary>True when this delivery attempt must fail (consumes one unit of the budget).</summary>
    public bool ShouldFailDelivery(string topic, string appId)
    {
        lock (_gate)
        {
            if (_deliveryFailuresLeft <= 0 || !Applies(_faults, topic, appId))
            {
                return false;
            }

            _deliveryFailuresLeft--;
            return true;
        }
    }

    /// <summary>True when this publish must fail (window or remaining count).</summary>
    public bool ShouldFailPublish(string topic)
    {
        lock (_gate)
        {
            if (_faults.Topic is not null && _faults.Topic != topic)
            {
                return false;
            }

            if (_faults.FailPublishesUntil is { } until && time.GetUtcNow() < until)
            {
                return true;
            }

            if (_publishFailuresLeft > 0)
            {
                _publishFailuresLeft--;
                return true;
            }

            return false;
        }
    }

    private static bool Applies(PubSubFaults faults, string topic, string appId) =>
        (faults.Topic is null || faults.Topic == topic) && (faults.AppId is null || faults.AppId == appId);
}
