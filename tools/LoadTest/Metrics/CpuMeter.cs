using System.Diagnostics;

namespace Flipkart.LoadTest.Metrics;

/// <summary>One process's CPU in a window; <paramref name="Restarted"/> when it was replaced meanwhile (only the new one counted).</summary>
public sealed record ProcessCpu(string Name, double CpuMs, double? MsPerUnit, bool Restarted = false);

/// <summary>
/// CPU that every watched process used in one window (e.g. the sale), and that CPU divided over the work done in it
/// (<paramref name="Units"/> of <paramref name="Unit"/>, e.g. confirmed orders). CPU time barely depends on how busy
/// the machine is otherwise, so it compares runs on a noisy machine far better than throughput does.
/// </summary>
public sealed record CpuCost(string Window, double Seconds, string Unit, int Units, double TotalCpuMs, double? TotalMsPerUnit, double CoresBusy, IReadOnlyList<ProcessCpu> Processes)
{
    /// <summary>The same window divided over <paramref name="units"/> of <paramref name="unit"/> (known only once the work is counted).</summary>
    public CpuCost Per(int units, string unit) => this with
    {
        Unit = unit,
        Units = units,
        TotalMsPerUnit = CpuMeter.PerUnit(TotalCpuMs, units),
        Processes = [.. Processes.Select(p => p with { MsPerUnit = CpuMeter.PerUnit(p.CpuMs, units) })],
    };
}

/// <summary>Reads each watched process's CPU time (utime + stime from /proc) when a window opens and again when it closes.</summary>
public sealed class CpuMeter
{
    private readonly Func<IReadOnlyList<MonitoredProcess>> _processes;
    private readonly Dictionary<string, (int Pid, long Ticks)> _start;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private CpuMeter(Func<IReadOnlyList<MonitoredProcess>> processes)
    {
        _processes = processes;
        _start = Read(processes());
    }

    /// <summary>Opens a window over the processes <paramref name="processes"/> lists now and when it closes (replicas may restart).</summary>
    public static CpuMeter Start(Func<IReadOnlyList<MonitoredProcess>> processes) => new(processes);

    /// <summary>Closes the window: each process's CPU in it (divide it with <see cref="CpuCost.Per"/>).</summary>
    public CpuCost Stop(string window, int units = 0, string unit = "")
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var end = Read(_processes());
        var processes = end.Select(e =>
        {
            var (name, (pid, ticks)) = (e.Key, e.Value);
            var restarted = !_start.TryGetValue(name, out var begin) || begin.Pid != pid;
            var ms = (ticks - (restarted ? 0 : begin.Ticks)) * 1000.0 / ProcessSampler.TicksPerSecond;
            return new ProcessCpu(name, Math.Round(ms, 1), PerUnit(ms, units), restarted);
        }).OrderByDescending(p => p.CpuMs).ToList();
        var total = processes.Sum(p => p.CpuMs);
        return new CpuCost(window, Math.Round(seconds, 2), unit, units, Math.Round(total, 1), PerUnit(total, units),
            seconds > 0 ? Math.Round(total / 1000 / seconds, 2) : 0, processes);
    }

    internal static double? PerUnit(double ms, int units) => units > 0 ? Math.Round(ms / units, 2) : null;

    private static Dictionary<string, (int Pid, long Ticks)> Read(IReadOnlyList<MonitoredProcess> processes)
    {
        var ticks = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
        foreach (var process in processes)
        {
            if (ProcessSampler.ReadCpuTicks(process.ProcessId) is { } t)
            {
                ticks[process.Name] = (process.ProcessId, t);
            }
        }
        return ticks;
    }
}
