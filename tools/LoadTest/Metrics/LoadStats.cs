using System.Diagnostics;
using HdrHistogram;

namespace Flipkart.LoadTest.Metrics;

/// <summary>
/// Everything measured in one phase: per-operation latency histograms (HdrHistogram, microseconds), status codes,
/// named counters (orders confirmed, rejected…), and a per-interval timeline for the progress display and the chart.
/// Thread-safe; one lock is plenty at the request rates one loopback machine reaches.
/// </summary>
public sealed class LoadStats
{
    /// <summary>Highest latency tracked: anything slower is clamped (a minute is already a failure).</summary>
    public const long MaxTrackedMicros = 120_000_000;

    /// <summary>Status recorded for requests that got no HTTP answer (timeout, refused connection).</summary>
    public const int NoResponse = 0;

    private readonly object _gate = new();
    private readonly Dictionary<string, LongHistogram> _total = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Op, int Status), long> _statuses = [];
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly List<TimelinePoint> _timeline = [];
    private readonly Func<TimeSpan> _clock;
    private LongHistogram _interval = NewHistogram();
    private long _intervalRequests;
    private long _intervalErrors;
    private long _errors;
    private Dictionary<string, long> _intervalCounters = new(StringComparer.Ordinal);
    private TimeSpan _intervalStart;

    public LoadStats(string name, Func<TimeSpan>? clock = null)
    {
        Name = name;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    public string Name { get; }

    /// <summary>Time since this phase started (the timeline's x axis).</summary>
    public TimeSpan Elapsed => _clock();

    public static LongHistogram NewHistogram() => new(1, MaxTrackedMicros, 3);

    /// <summary>Records one request of <paramref name="operation"/>; statuses ≥ 400 (other than expected ones the caller maps) and 0 count as errors.</summary>
    public void Record(string operation, int status, TimeSpan latency, bool isError)
    {
        var micros = Math.Clamp((long)(latency.Ticks / 10), 1, MaxTrackedMicros);
        lock (_gate)
        {
            if (!_total.TryGetValue(operation, out var histogram))
            {
                _total[operation] = histogram = NewHistogram();
            }
            histogram.RecordValue(micros);
            _interval.RecordValue(micros);
            _intervalRequests++;
            if (isError)
            {
                _intervalErrors++;
                _errors++;
            }
            _statuses[(operation, status)] = _statuses.GetValueOrDefault((operation, status)) + 1;
        }
    }

    /// <summary>Adds to a named counter (e.g. <c>confirmed</c>), kept in total and per timeline interval.</summary>
    public void Count(string counter, long amount = 1)
    {
        lock (_gate)
        {
            _counters[counter] = _counters.GetValueOrDefault(counter) + amount;
            _intervalCounters[counter] = _intervalCounters.GetValueOrDefault(counter) + amount;
        }
    }

    /// <summary>A latency outside any request (e.g. place order → decision), kept as its own operation histogram without a status.</summary>
    public void RecordDuration(string metric, TimeSpan duration)
    {
        var micros = Math.Clamp((long)(duration.Ticks / 10), 1, MaxTrackedMicros);
        lock (_gate)
        {
            if (!_total.TryGetValue(metric, out var histogram))
            {
                _total[metric] = histogram = NewHistogram();
            }
            histogram.RecordValue(micros);
        }
    }

    /// <summary>Closes the current interval and starts the next; returns the closed interval's point.</summary>
    public TimelinePoint Tick()
    {
        lock (_gate)
        {
            var now = _clock();
            var seconds = Math.Max((now - _intervalStart).TotalSeconds, 1e-6);
            var point = new TimelinePoint(
                Math.Round(now.TotalSeconds, 3),
                _intervalRequests,
                _intervalRequests / seconds,
                _intervalErrors,
                _intervalRequests > 0 ? Millis(_interval.GetValueAtPercentile(50)) : null,
                _intervalRequests > 0 ? Millis(_interval.GetValueAtPercentile(99)) : null,
                _intervalCounters.ToDictionary(c => c.Key, c => c.Value / seconds, StringComparer.Ordinal));
            _timeline.Add(point);
            _interval = NewHistogram();
            _intervalRequests = 0;
            _intervalErrors = 0;
            _intervalCounters = new Dictionary<string, long>(StringComparer.Ordinal);
            _intervalStart = now;
            return point;
        }
    }

    public IReadOnlyList<TimelinePoint> Timeline
    {
        get
        {
            lock (_gate)
            {
                return [.. _timeline];
            }
        }
    }

    /// <summary>Requests that failed: no answer, a 5xx, or a 4xx the caller did not expect.</summary>
    public long Errors
    {
        get
        {
            lock (_gate)
            {
                return _errors;
            }
        }
    }

    public long Counter(string name)
    {
        lock (_gate)
        {
            return _counters.GetValueOrDefault(name);
        }
    }

    /// <summary>The summary of one operation (or metric), or null when nothing was recorded under that name.</summary>
    public LatencySummary? Latency(string operation)
    {
        lock (_gate)
        {
            return _total.TryGetValue(operation, out var h) ? LatencySummary.From(h) : null;
        }
    }

    /// <summary>All requests of the given operations together (all when null); metrics recorded with <see cref="RecordDuration"/> are excluded by name.</summary>
    public LatencySummary? Combined(IEnumerable<string>? operations = null)
    {
        lock (_gate)
        {
            var names = operations?.ToHashSet(StringComparer.Ordinal) ?? RequestOperations();
            var merged = NewHistogram();
            foreach (var (name, histogram) in _total)
            {
                if (names.Contains(name))
                {
                    merged.Add(histogram);
                }
            }
            return merged.TotalCount == 0 ? null : LatencySummary.From(merged);
        }
    }

    /// <summary>Metrics recorded with <see cref="RecordDuration"/> (not requests).</summary>
    public IReadOnlyList<string> DurationNames()
    {
        lock (_gate)
        {
            var requests = _statuses.Keys.Select(k => k.Op).ToHashSet(StringComparer.Ordinal);
            return [.. _total.Keys.Where(k => !requests.Contains(k)).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Operations that were HTTP requests (they have status codes).</summary>
    public HashSet<string> RequestOperations()
    {
        lock (_gate)
        {
            return _statuses.Keys.Select(k => k.Op).ToHashSet(StringComparer.Ordinal);
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> StatusCodes()
    {
        lock (_gate)
        {
            return _statuses.GroupBy(s => s.Key.Op, StringComparer.Ordinal).ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, long>)g.OrderBy(s => s.Key.Status).ToDictionary(s => StatusName(s.Key.Status), s => s.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);
        }
    }

    public long Requests(string? operation = null)
    {
        lock (_gate)
        {
            return _statuses.Where(s => operation is null || s.Key.Op == operation).Sum(s => s.Value);
        }
    }

    public static string StatusName(int status) => status == NoResponse ? "no-response" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static double Millis(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <param name="Seconds">End of the interval, seconds since the phase started.</param>
/// <param name="Counters">Named counters per second in this interval (e.g. confirmed orders/s).</param>
public sealed record TimelinePoint(double Seconds, long Requests, double RequestsPerSecond, long Errors, double? P50Ms, double? P99Ms, IReadOnlyDictionary<string, double> Counters);

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(HistogramBase histogram) => new(
        histogram.TotalCount,
        Math.Round(histogram.GetMean() / 1000.0, 3),
        LoadStats.Millis(histogram.GetValueAtPercentile(50)),
        LoadStats.Millis(histogram.GetValueAtPercentile(90)),
        LoadStats.Millis(histogram.GetValueAtPercentile(99)),
        LoadStats.Millis(histogram.GetValueAtPercentile(99.9)),
        LoadStats.Millis(histogram.GetMaxValue()));
}
