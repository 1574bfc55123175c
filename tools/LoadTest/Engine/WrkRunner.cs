using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Engine;

/// <summary>
/// Drives a closed-loop phase with <c>wrk</c> (Debian's <c>apt-get install wrk</c>): an external client in C, so a
/// target faster than the tool's own <see cref="HttpClient"/> is not capped by the client (the bare baseline is). wrk
/// cycles through the given paths (each of its threads from the start of the list) and reports through a Lua
/// <c>done</c> hook as one JSON line, so nothing depends on its human-readable output.
/// </summary>
public static class WrkRunner
{
    private const string ResultMarker = "WRK-RESULT ";

    /// <summary>wrk's path on PATH, or null when it is not installed.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "wrk")).FirstOrDefault(File.Exists);

    public static async Task<PhaseResult> RunAsync(
        string name, Uri baseUrl, string target, IReadOnlyList<string> paths, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var wrk = Find() ?? throw new InvalidOperationException("wrk is not installed (apt-get install wrk).");
        var script = Path.Combine(Path.GetTempPath(), $"flipkart-loadtest-wrk-{Environment.ProcessId}-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Script(paths), cancellationToken).ConfigureAwait(false);
        try
        {
            // Two threads: one per core of the machines this runs on; the connections are spread over them.
            var threads = Math.Min(Math.Max(1, Environment.ProcessorCount), connections);
            var info = new ProcessStartInfo(wrk)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s",
                "--timeout", "10s", "-s", script, baseUrl.GetLeftPart(UriPartial.Authority),
            })
            {
                info.ArgumentList.Add(argument);
            }
            using var process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start.");
            using var kill = cancellationToken.Register(() => process.Kill());
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var output = await stdout.ConfigureAwait(false);
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(ResultMarker, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"wrk exited with {process.ExitCode} and no result: {output}{await stderr.ConfigureAwait(false)}");
            return Parse(name, target, connections, line[ResultMarker.Length..]);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Turns the <c>done</c> hook's JSON line into a phase (latencies in µs there, ms here).</summary>
    internal static PhaseResult Parse(string name, string target, int connections, string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        long Long(string property) => r.GetProperty(property).GetInt64();
        double Ms(string property) => Math.Round(r.GetProperty(property).GetDouble() / 1000.0, 3);

        var seconds = Math.Max(Long("durationUs") / 1e6, 1e-6);
        var requests = Long("requests");
        var non2xx = Long("status");
        var socketErrors = Long("connect") + Long("read") + Long("write") + Long("timeout");
        var latency = new LatencySummary(requests, Ms("mean"), Ms("p50"), Ms("p90"), Ms("p99"), Ms("p999"), Ms("max"));
        var statuses = new Dictionary<string, long>(StringComparer.Ordinal) { ["2xx/3xx"] = requests - non2xx };
        if (non2xx > 0)
        {
            statuses["other status"] = non2xx;
        }
        if (socketErrors > 0)
        {
            statuses["socket error"] = socketErrors;
        }
        var rps = Math.Round(requests / seconds, 1);
        return new PhaseResult(name, target, Math.Round(seconds, 2), connections, null, requests, rps, non2xx + socketErrors, latency,
            new Dictionary<string, OperationResult>(StringComparer.Ordinal) { ["detail"] = new(requests, rps, latency, statuses) },
            new Dictionary<string, LatencySummary>(), new Dictionary<string, long>(), []);
    }

    internal static string Script(IReadOnlyList<string> paths)
    {
        var script = new StringBuilder("local paths = {\n");
        foreach (var path in paths)
        {
            // Paths are ours (product ids are [A-Za-z0-9_-]); %q quoting would still be safe for anything else.
            script.Append("  \"").Append(path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\",\n");
        }
        script.Append("""
            }
            local i = 0
            local headers = { ["Accept"] = "application/json" }

            request = function()
              i = i + 1
              if i > #paths then i = 1 end
              return wrk.format("GET", paths[i], headers)
            end

            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format(
                "WRK-RESULT {\"requests\":%d,\"durationUs\":%d,\"status\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d," ..
                "\"mean\":%.1f,\"p50\":%d,\"p90\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d}\n",
                summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
                latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
            end

            """);
        return script.ToString();
    }
}
