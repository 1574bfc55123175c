using System.Diagnostics;
using System.Text.RegularExpressions;
using Flipkart.DevHost;
using Flipkart.DevHost.Processes;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>Nothing outlives a local run: not on an orderly stop, not when DevHost itself is killed outright.</summary>
[Collection(LocalRunLanes.Lifecycle)]
public sealed partial class ShutdownTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Disposing_a_local_run_stops_every_service_process_and_frees_every_port()
    {
        var output = new BufferedRunOutput();
        var run = await LocalRun.StartAsync(new LocalRunOptions
        {
            RepositoryRoot = Repository.Root,
            Apps = ["catalog"],
            DynamicPorts = true,
            GatewayPort = 0,
            Output = output,
        }, Cancellation);
        var replicas = run.Replicas.ToList();
        Assert.NotEmpty(replicas);
        Assert.All(replicas, r => Assert.True(IsAlive(r.ProcessId), $"{r.Name} is not running after start-up"));

        await run.DisposeAsync();

        Assert.All(replicas, r =>
        {
            Assert.False(IsAlive(r.ProcessId), $"{r.Name} (pid {r.ProcessId}) outlived the run");
            Assert.True(PortAllocator.IsFree(r.AppPort), $"{r.Name}'s port {r.AppPort} is still taken");
            Assert.True(PortAllocator.IsFree(r.DaprHttpPort), $"{r.Name}'s sidecar port {r.DaprHttpPort} is still taken");
        });
    }

    [Fact]
    public async Task Services_die_with_devhost_even_when_devhost_is_killed_outright()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("SIGKILL semantics are Unix-only; on Windows the parent watch polls the process handle instead.");
        }

        // Built here (once per test process) so the DevHost under test starts in seconds with --no-build.
        var catalog = Directory.EnumerateFiles(Path.Combine(Repository.Root, "services", "Catalog"), "*.csproj").Single();
        await ServiceBuilder.BuildAsync(Repository.Root, [catalog], "Debug", new BufferedRunOutput(), Cancellation);

        var devHost = typeof(LocalRun).Assembly.Location;
        var info = new ProcessStartInfo("dotnet", [devHost, "--apps", "catalog", "--dynamic-ports", "--no-build", "--no-dashboard", "--verbose", "--repo", Repository.Root])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var catalogPid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(e.Data);
            }
            if (HealthyLine().Match(e.Data) is { Success: true } match)
            {
                catalogPid.TrySetResult(int.Parse(match.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.Add(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int pid;
        try
        {
            pid = await catalogPid.Task.WaitAsync(TimeSpan.FromMinutes(3), Cancellation);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            lock (lines)
            {
                Assert.Fail($"DevHost never reported the catalog healthy:{Environment.NewLine}{string.Join(Environment.NewLine, lines.TakeLast(60))}");
            }
            return;
        }

        process.Kill(entireProcessTree: false); // SIGKILL: no shutdown code of DevHost runs
        await process.WaitForExitAsync(Cancellation);

        var deadline = Stopwatch.StartNew();
        while (IsAlive(pid) && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200, Cancellation);
        }
        var orphaned = IsAlive(pid);
        if (orphaned)
        {
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
        Assert.False(orphaned, $"The catalog (pid {pid}) outlived the DevHost that started it.");
    }

    private static bool IsAlive(int pid)
    {
        // An exited orphan lingers as a zombie until its new parent reaps it, and a container's PID 1 may never do so.
        if (OperatingSystem.IsLinux())
        {
            var stat = $"/proc/{pid}/stat";
            try
            {
                var text = File.ReadAllText(stat);
                return text[(text.LastIndexOf(')') + 2)] is not ('Z' or 'X');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"catalog healthy on :\d+ \(pid (?<pid>\d+),")]
    private static partial Regex HealthyLine();
}
