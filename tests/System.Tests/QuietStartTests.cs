using System.Diagnostics;
using Flipkart.DevHost;
using Flipkart.DevHost.Processes;
using Flipkart.DevHost.RunFile;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>
/// A normal start of the DevHost console says little, and nothing alarming: at most 30 lines before the banner, and
/// no <c>ERR</c> or <c>WRN</c> line (nobody calls a service before it is ready; probes and Dapr's callbacks are quiet).
/// </summary>
[Collection(LocalRunLanes.Lifecycle)]
public sealed class QuietStartTests
{
    private const int MaxLinesBeforeBanner = 30;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_normal_start_prints_at_most_30_lines_before_the_banner_and_no_warning_or_error()
    {
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));
        var projects = apps.Select(a => a.ProjectFile).OfType<string>().ToList();
        Assert.Equal(apps.Count, projects.Count);
        // Built here, so the start under test is the everyday one: nothing to build.
        await ServiceBuilder.BuildAsync(Repository.Root, projects, "Debug", new BufferedRunOutput(), Cancellation);

        var devHost = typeof(LocalRun).Assembly.Location;
        var info = new ProcessStartInfo("dotnet", [devHost, "--dynamic-ports", "--port", "0", "--repo", Repository.Root])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var lines = new List<string>();
        var banner = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(line);
                if (line.Contains("Flipkart.Dapr is up in", StringComparison.Ordinal))
                {
                    banner.TrySetResult(lines.Count - 1);
                }
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int bannerAt;
        try
        {
            bannerAt = await banner.Task.WaitAsync(TimeSpan.FromMinutes(4), Cancellation);
            // A moment after the banner too: late start-up noise counts.
            await Task.Delay(TimeSpan.FromSeconds(3), Cancellation);
        }
        catch (TimeoutException)
        {
            bannerAt = -1;
        }
        finally
        {
            _ = Kill(process.Id, 15); // an orderly stop, as Ctrl+C
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string[] seen;
        lock (lines)
        {
            seen = [.. lines];
        }
        var log = string.Join(Environment.NewLine, seen);
        Assert.True(bannerAt >= 0, $"DevHost printed no banner:{Environment.NewLine}{log}");
        Assert.True(bannerAt <= MaxLinesBeforeBanner, $"{bannerAt} lines before the banner (at most {MaxLinesBeforeBanner}):{Environment.NewLine}{log}");
        var alarming = seen.Take(bannerAt + 1).Concat(seen.Skip(bannerAt + 1).TakeWhile(l => !l.Contains("stopping", StringComparison.Ordinal)))
            .Where(l => l.Contains(" ERR ", StringComparison.Ordinal) || l.Contains(" WRN ", StringComparison.Ordinal) || l.Contains(" FTL ", StringComparison.Ordinal))
            .ToList();
        Assert.True(alarming.Count == 0, $"{alarming.Count} warning/error line(s) in a normal start:{Environment.NewLine}{string.Join(Environment.NewLine, alarming)}{Environment.NewLine}---{Environment.NewLine}{log}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
