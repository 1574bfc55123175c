using System.Diagnostics;

namespace Inventory.Tests.Benchmarks;

/// <summary>
/// The load every ledger benchmark drives: <c>count</c> calls, at most <c>inFlight</c> at a time, each timed, with the
/// wall time and this process's CPU over the whole run (app, actor host and embedded sidecar share the process).
/// </summary>
internal static class BoundedLoad
{
    public sealed record Result(int Calls, TimeSpan Wall, TimeSpan Cpu, double[] SortedLatenciesMs)
    {
        public double PerSecond => Calls / Wall.TotalSeconds;

        public double P50 => SortedLatenciesMs[Calls / 2];

        public double P99 => SortedLatenciesMs[Calls * 99 / 100];

        public double CpuMsPerCall => Cpu.TotalMilliseconds / Calls;
    }

    /// <summary>Calls <paramref name="call"/> once for each index below <paramref name="count"/>.</summary>
    public static async Task<Result> RunAsync(int count, int inFlight, Func<int, Task> call)
    {
        var latencies = new double[count];
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await call(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        wall.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Array.Sort(latencies);
        return new Result(count, wall.Elapsed, cpuUsed, latencies);
    }
}
