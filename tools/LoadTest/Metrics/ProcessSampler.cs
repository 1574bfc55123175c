using System.Globalization;

namespace Flipkart.LoadTest.Metrics;

/// <summary>A process to watch: a service replica, or the load tool itself (which hosts the embedded sidecars).</summary>
public sealed record MonitoredProcess(string Name, int ProcessId);

/// <summary>Peak resident memory and CPU of one process over a run.</summary>
/// <param name="PeakRssMb">The kernel's high-water mark (VmHWM) at the last sample: the true peak, not just the sampled one.</param>
/// <param name="AverageCpuPercent">CPU time over wall time while sampled; 100 = one core busy.</param>
/// <param name="PeakCpuPercent">The busiest sampling interval.</param>
/// <summary>Resident memory of every watched process at one moment (seconds since the sampler started).</summary>
public sealed record RssPoint(double Seconds, IReadOnlyDictionary<string, double> RssMb);

public sealed record ProcessFootprint(string Name, int ProcessId, double PeakRssMb, double LastRssMb, double AverageCpuPercent, double PeakCpuPercent, double CpuSeconds);

/// <summary>
/// Samples <c>/proc/&lt;pid&gt;/status</c> (VmRSS, VmHWM) and <c>/proc/&lt;pid&gt;/stat</c> (utime + stime) of each process once a
/// second, plus the machine's own CPU use from <c>/proc/stat</c>, so a report shows how busy the box was anyway.
/// Linux only; elsewhere it reports nothing.
/// </summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    internal const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux ABI .NET runs on

    private readonly IReadOnlyList<MonitoredProcess> _processes;
    private readonly Dictionary<int, State> _states = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<RssPoint> _series = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private (long Busy, long Total)? _machineStart;
    private (long Busy, long Total)? _machineLast;

    public ProcessSampler(IReadOnlyList<MonitoredProcess> processes, TimeSpan? interval = null)
    {
        _processes = processes;
        _machineStart = ReadMachineCpu();
        foreach (var process in processes)
        {
            _states[process.ProcessId] = new State(process, ReadCpuTicks(process.ProcessId), DateTime.UtcNow);
        }
        _loop = LoopAsync(interval ?? TimeSpan.FromSeconds(1), _stop.Token);
    }

    public static bool Supported => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    private async Task LoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            var point = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var state in _states.Values)
            {
                var ticks = ReadCpuTicks(state.Process.ProcessId);
                if (ticks is { } t && state.LastTicks is { } last)
                {
                    var seconds = (now - state.LastAt).TotalSeconds;
                    if (seconds > 0.2)
                    {
                        state.PeakCpu = Math.Max(state.PeakCpu, (t - last) / TicksPerSecond / seconds * 100);
                    }
                }
                if (ticks is not null)
                {
                    state.LastTicks = ticks;
                    state.LastAt = now;
                }
                if (ReadMemoryKb(state.Process.ProcessId) is { } memory)
                {
                    state.PeakRssKb = Math.Max(state.PeakRssKb, Math.Max(memory.Rss, memory.Hwm));
                    state.LastRssKb = memory.Rss;
                    point[state.Process.Name] = Math.Round(memory.Rss / 1024.0, 1);
                }
            }
            if (point.Count > 0)
            {
                _series.Add(new RssPoint(Math.Round(_clock.Elapsed.TotalSeconds, 2), point));
            }
            _machineLast = ReadMachineCpu() ?? _machineLast;
        }
    }

    /// <summary>Footprints so far (sampling continues).</summary>
    public IReadOnlyList<ProcessFootprint> Footprints()
    {
        Sample();
        lock (_gate)
        {
            return _states.Values.Select(s =>
            {
                var wall = (s.LastAt - s.StartedAt).TotalSeconds;
                var cpuSeconds = s.FirstTicks is { } first && s.LastTicks is { } last ? (last - first) / TicksPerSecond : 0;
                return new ProcessFootprint(s.Process.Name, s.Process.ProcessId,
                    Math.Round(s.PeakRssKb / 1024.0, 1), Math.Round(s.LastRssKb / 1024.0, 1),
                    wall > 0 ? Math.Round(cpuSeconds / wall * 100, 1) : 0, Math.Round(s.PeakCpu, 1), Math.Round(cpuSeconds, 2));
            }).ToList();
        }
    }

    /// <summary>Every sample so far: each process's resident memory over time (a soak's growth is read from it).</summary>
    public IReadOnlyList<RssPoint> Series()
    {
        lock (_gate)
        {
            return [.. _series];
        }
    }

    /// <summary>Share of all cores busy on the machine since the sampler started (everything, not only our processes).</summary>
    public double? MachineBusyPercent()
    {
        lock (_gate)
        {
            if (_machineStart is not { } start || _machineLast is not { } last || last.Total <= start.Total)
            {
                return null;
            }
            return Math.Round((double)(last.Busy - start.Busy) / (last.Total - start.Total) * 100, 1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>utime + stime in clock ticks; fields after the parenthesised command name, which may itself hold spaces.</summary>
    internal static long? ReadCpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return ParseCpuTicks(stat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static long? ParseCpuTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // After "pid (comm)": state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.Integer, CultureInfo.InvariantCulture, out var utime)
            && long.TryParse(fields[12], NumberStyles.Integer, CultureInfo.InvariantCulture, out var stime)
            ? utime + stime
            : null;
    }

    private static (long Rss, long Hwm)? ReadMemoryKb(int pid)
    {
        try
        {
            return ParseMemoryKb(File.ReadAllLines($"/proc/{pid}/status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static (long Rss, long Hwm)? ParseMemoryKb(IEnumerable<string> statusLines)
    {
        long? rss = null, hwm = null;
        foreach (var line in statusLines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kb(line);
            }
        }
        return rss is null ? null : (rss.Value, hwm ?? rss.Value);

        static long? Kb(string line) =>
            long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : null;
    }

    private static (long Busy, long Total)? ReadMachineCpu()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + (values.Length > 4 ? values[4] : 0); // idle + iowait
            var total = values.Take(8).Sum(); // user..steal; guest time is already inside user
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    private sealed class State(MonitoredProcess process, long? ticks, DateTime at)
    {
        public MonitoredProcess Process { get; } = process;
        public long? FirstTicks { get; } = ticks;
        public DateTime StartedAt { get; } = at;
        public long? LastTicks { get; set; } = ticks;
        public DateTime LastAt { get; set; } = at;
        public double PeakCpu { get; set; }
        public long PeakRssKb { get; set; }
        public long LastRssKb { get; set; }
    }
}
