using System.Diagnostics;
using System.Reflection;
using Flipkart.DevHost.Processes;

namespace Flipkart.DevHost.Dashboard;

/// <summary>
/// The standalone Aspire dashboard (NuGet <c>Aspire.Dashboard.Sdk.linux-x64</c>, restored with DevHost like any other
/// dependency): traces, metrics and structured logs of every service and every sidecar, received over OTLP. Anonymous
/// and bound to loopback, for a developer's own machine. Its own console output is kept for error messages only.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    /// <summary>The dashboard's usual UI port, and OTLP's standard gRPC/HTTP ports (what the profiles' Configurations name).</summary>
    public const int DefaultUiPort = 18888, DefaultOtlpGrpcPort = 4317, DefaultOtlpHttpPort = 4318;

    private const string PathVariable = "DEVHOST_DASHBOARD_PATH";

    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private AspireDashboard(Process process, Uri url, Uri otlpGrpc, Uri otlpHttp)
    {
        _process = process;
        Url = url;
        OtlpGrpcEndpoint = otlpGrpc;
        OtlpHttpEndpoint = otlpHttp;
    }

    /// <summary>The dashboard's UI (and its telemetry API under <c>/api/telemetry</c>).</summary>
    public Uri Url { get; }

    /// <summary>Where services and sidecars send OTLP over gRPC.</summary>
    public Uri OtlpGrpcEndpoint { get; }

    public Uri OtlpHttpEndpoint { get; }

    public int ProcessId => _process.Id;

    /// <summary>The dashboard executable this DevHost was built with (or <c>DEVHOST_DASHBOARD_PATH</c>); null where none exists.</summary>
    public static string? Executable()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } overridden
            ? overridden
            : typeof(AspireDashboard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "AspireDashboardPath")?.Value;
        return path is { Length: > 0 } && File.Exists(path) ? path : null;
    }

    /// <summary>Starts the dashboard on the usual ports, or on free ones when those are taken or <paramref name="dynamicPorts"/>.</summary>
    internal static async Task<AspireDashboard> StartAsync(PortAllocator ports, bool dynamicPorts, OrphanGuard guard, CancellationToken cancellationToken)
    {
        var executable = Executable() ?? throw new DevHostException(
            $"The Aspire dashboard is not available on this machine (it ships for linux-x64 in Aspire.Dashboard.Sdk.linux-x64; set {PathVariable} to another build). Start with --no-dashboard.");

        int Port(int preferred) => !dynamicPorts && PortAllocator.IsFree(preferred) ? ports.Claim(preferred, "the dashboard") : ports.Free();
        var ui = Port(DefaultUiPort);
        var grpc = Port(DefaultOtlpGrpcPort);
        var http = Port(DefaultOtlpHttpPort);
        var url = new Uri($"http://127.0.0.1:{ui}");
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Path.GetDirectoryName(executable)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        info.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        info.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}";
        info.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{http}";
        // A developer's own dashboard on loopback: no browser token, no OTLP key, no resource service (DevHost is not an AppHost).
        info.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        info.Environment["DASHBOARD__FRONTEND__AUTHMODE"] = "Unsecured";
        info.Environment["DASHBOARD__OTLP__AUTHMODE"] = "Unsecured";
        info.Environment["DASHBOARD__API__AUTHMODE"] = "Unsecured";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_gcServer"] = "0";

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var dashboard = new AspireDashboard(process, url, new Uri($"http://127.0.0.1:{grpc}"), new Uri($"http://127.0.0.1:{http}"));
        process.OutputDataReceived += (_, e) => dashboard.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => dashboard.Keep(e.Data);
        if (!process.Start())
        {
            throw new DevHostException($"Could not start the dashboard ({executable}).");
        }
        guard.Register(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new DevHostException($"The dashboard exited while starting (exit code {process.ExitCode}):{Environment.NewLine}{dashboard.Tail()}");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri(url, "/api/telemetry/resources"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return dashboard;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
            {
                await dashboard.DisposeAsync().ConfigureAwait(false);
                throw new DevHostException($"The dashboard did not answer on {url} within a minute:{Environment.NewLine}{dashboard.Tail()}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The environment that points an OpenTelemetry SDK at this dashboard.</summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment(string serviceName) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpGrpcEndpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        ["OTEL_SERVICE_NAME"] = serviceName,
        // Export within a second, so a request shows while its author still looks for it (SDK defaults: 5 s traces, 60 s metrics).
        ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
    };

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }
    }

    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }
        _process.Dispose();
    }
}
