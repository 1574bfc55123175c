using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Scenarios;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest;

public static class ExitCodes
{
    public const int Passed = 0;
    /// <summary>The run finished but an invariant failed.</summary>
    public const int InvariantFailed = 1;
    public const int Usage = 2;
    /// <summary>The system could not be started or the scenario could not run.</summary>
    public const int RunFailed = 3;
    public const int Cancelled = 130;
}

/// <summary>One run of the tool: start (or reach) the target, run the scenario, write results and chart, print the summary.</summary>
public static class LoadTestRun
{
    public static async Task<int> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var ui = new ConsoleUi(options.Plain);
        var clock = Stopwatch.StartNew();
        var output = new CapturingRunOutput(ui.Info) { Echo = options.Scenario == Scenario.Serve ? ui.Line : null };
        SystemUnderTest? system = null;
        try
        {
            if (options.Scenario != Scenario.Baseline)
            {
                if (options.Gateway is { } gateway)
                {
                    system = SystemUnderTest.Remote(gateway);
                }
                else
                {
                    ui.Info($"starting the local run (profile {options.Profile}, {options.Configuration}) ...");
                    system = await SystemUnderTest.StartLocalAsync(ToLocalOptions(options), output, cancellationToken).ConfigureAwait(false);
                    ui.Info($"local run up in {system.StartupTime!.Value.TotalSeconds:0.0}s at {system.GatewayUrl}");
                }
            }

            if (options.Scenario == Scenario.Serve)
            {
                return await ServeAsync(system!, ui, cancellationToken).ConfigureAwait(false);
            }

            var result = await ExecuteAsync(options, system, ui, cancellationToken).ConfigureAwait(false);
            result.WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            var (json, chart) = Write(result, options);
            SummaryPrinter.Print(result);
            ui.Line($"results: {json}");
            ui.Line($"chart:   {chart ?? "(not written)"}");
            // The services log at Warning in a measured run, so what they wrote is what went wrong (a 503's cause).
            var serviceLines = output.Tail(5000);
            if (serviceLines.Length > 0)
            {
                var serviceLog = Path.ChangeExtension(json, ".services.log");
                File.WriteAllText(serviceLog, serviceLines + Environment.NewLine);
                ui.Line($"services: {serviceLog} (their last lines, warnings and errors)");
            }
            return result.Passed ? ExitCodes.Passed : ExitCodes.InvariantFailed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ui.Warn("cancelled; stopping everything.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is DevHostException or ScenarioException or HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            ui.Warn($"FAILED: {e.Message}");
            var tail = output.Tail();
            if (tail.Length > 0)
            {
                ui.Line("last lines of the local run:" + Environment.NewLine + tail);
            }
            return ExitCodes.RunFailed;
        }
        finally
        {
            if (system is not null)
            {
                await system.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> ServeAsync(SystemUnderTest system, ConsoleUi ui, CancellationToken cancellationToken)
    {
        foreach (var change in system.Overrides)
        {
            ui.Info($"run configuration: {change}");
        }
        ui.Line($"Gateway: {system.GatewayUrl}  (run scenarios with --gateway {system.GatewayUrl}; Ctrl+C stops)");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return ExitCodes.Passed;
    }

    /// <summary>Runs the scenario against an already started (or remote, or no) target; the test project calls this directly.</summary>
    public static async Task<RunResult> ExecuteAsync(LoadTestOptions options, SystemUnderTest? system, ConsoleUi ui, CancellationToken cancellationToken)
    {
        var result = new RunResult
        {
            Scenario = ScenarioName(options.Scenario),
            StartedAt = DateTimeOffset.UtcNow,
            Machine = new MachineInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, MachineInfo.LoadAverage(), null),
            Target = system is null
                ? new TargetInfo("baseline only", "-", "the bare Kestrel baseline hosted by the load tool", null, [])
                : new TargetInfo(system.IsLocal ? "local run" : "remote", system.GatewayUrl.ToString(), system.Description, system.StartupTime?.TotalSeconds is { } s ? Math.Round(s, 1) : null, system.Overrides),
            Settings = Settings(options),
        };

        var processes = system?.Processes() ?? [new MonitoredProcess("loadtest+baseline", Environment.ProcessId)];
        await using var sampler = new ProcessSampler(processes);
        var context = new RunContext(options, system, ui, result);
        switch (options.Scenario)
        {
            case Scenario.Browse:
                await BrowseScenario.RunAsync(context, cancellationToken).ConfigureAwait(false);
                break;
            case Scenario.Checkout:
                await CheckoutScenario.RunAsync(context, cancellationToken).ConfigureAwait(false);
                break;
            case Scenario.FlashSale:
                await FlashSaleScenario.RunAsync(context, cancellationToken).ConfigureAwait(false);
                break;
            case Scenario.Baseline:
                await BaselineScenario.RunAsync(context, cancellationToken).ConfigureAwait(false);
                break;
            case Scenario.Soak:
                await SoakScenario.RunAsync(context, cancellationToken).ConfigureAwait(false);
                break;
        }
        result.Processes = sampler.Footprints();
        result.MachineBusyPercent = sampler.MachineBusyPercent();
        return result with { Machine = result.Machine with { LoadAverageAtEnd = MachineInfo.LoadAverage() } };
    }

    /// <summary>Writes the JSON and, next to it, the chart; returns both paths (chart null when it could not be drawn).</summary>
    public static (string Json, string? Chart) Write(RunResult result, LoadTestOptions options)
    {
        var json = Path.GetFullPath(options.Out ?? DefaultOut(options));
        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        var chart = Path.ChangeExtension(json, ".png");
        try
        {
            ChartRenderer.Render(result, chart);
            result.Chart = chart;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A missing native graphics library must not lose the measurements.
            result.Notes.Add($"chart not drawn: {e.GetType().Name}: {e.Message}");
            chart = null;
        }
        File.WriteAllText(json, JsonSerializer.Serialize(result, JsonDefaults.Indented));
        return (json, chart);
    }

    private static string DefaultOut(LoadTestOptions options)
    {
        string root;
        try
        {
            root = LocalRun.FindRepositoryRoot(options.RepositoryRoot);
        }
        catch (DevHostException)
        {
            root = Directory.GetCurrentDirectory();
        }
        var chaos = options.Chaos is { } c ? "-chaos-" + new string([.. c.Text.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-')]) : "";
        var name = $"{ScenarioName(options.Scenario)}{(options.CompareBaseline ? "-vs-baseline" : "")}{chaos}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json";
        return Path.Combine(root, "artifacts", "loadtest", name);
    }

    public static LocalTargetOptions ToLocalOptions(LoadTestOptions options) => new()
    {
        RepositoryRoot = options.RepositoryRoot,
        Profile = options.Profile,
        Configuration = options.Configuration,
        SkipBuild = options.NoBuild,
        Replicas = options.Replicas,
        KafkaPartitions = options.KafkaPartitions,
        GatewayPermitLimit = options.GatewayPermitLimit,
        SidecarRateLimit = options.SidecarRateLimit,
        ServiceLogLevel = options.ServiceLogLevel,
        CatalogProducts = options.EffectiveCatalogProducts,
        AppEnvironment = AppEnvironment(options),
    };

    private static Dictionary<string, IReadOnlyDictionary<string, string>> AppEnvironment(LoadTestOptions options)
    {
        var environment = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (options.AppEnvironment.Count > 0)
        {
            environment["*"] = options.AppEnvironment;
        }
        foreach (var (appId, settings) in options.Chaos?.AppEnvironment ?? new Dictionary<string, IReadOnlyDictionary<string, string>>())
        {
            environment[appId] = settings;
        }
        return environment;
    }

    public static string ScenarioName(Scenario scenario) => scenario switch
    {
        Scenario.FlashSale => "flash-sale",
        _ => scenario.ToString().ToLowerInvariant(),
    };

    private static IReadOnlyDictionary<string, string> Settings(LoadTestOptions o)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["concurrency"] = o.EffectiveConcurrency.ToString(CultureInfo.InvariantCulture),
            ["duration"] = o.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            ["warmup"] = o.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (o.Rate is { } rate)
        {
            settings["rate"] = rate.ToString(CultureInfo.InvariantCulture);
        }
        switch (o.Scenario)
        {
            case Scenario.FlashSale:
                settings["buyers"] = o.Buyers.ToString(CultureInfo.InvariantCulture);
                settings["units"] = o.Units.ToString(CultureInfo.InvariantCulture);
                settings["checkout"] = o.ViaCart ? "cart" : "buy-now";
                if (!o.ViaCart && o.SoldOutDuration > TimeSpan.Zero)
                {
                    settings["soldOutPhase"] = $"{o.SoldOutRate.ToString(CultureInfo.InvariantCulture)}/s for {o.SoldOutDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
                }
                if (o.Chaos is { } chaos)
                {
                    settings["chaos"] = chaos.Text;
                    if (chaos.Kind == ChaosKind.Kill)
                    {
                        settings["chaosRestartAfter"] = o.ChaosRestartAfter is { } r ? r.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s" : "none";
                    }
                }
                if (o.Replicas > 1)
                {
                    settings["replicas"] = o.Replicas.ToString(CultureInfo.InvariantCulture);
                }
                settings.Remove("duration");
                settings.Remove("warmup");
                break;
            case Scenario.Soak:
                settings["minutes"] = o.SoakDuration.TotalMinutes.ToString(CultureInfo.InvariantCulture);
                settings["soakWarmup"] = o.EffectiveSoakWarmup.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
                settings["rate"] = (o.Rate ?? SoakScenario.DefaultBrowseRate).ToString(CultureInfo.InvariantCulture);
                settings["rssGrowthLimitPercent"] = o.RssGrowthLimitPercent.ToString(CultureInfo.InvariantCulture);
                settings.Remove("duration");
                settings.Remove("warmup");
                break;
            case Scenario.Browse or Scenario.Baseline:
                settings["products"] = o.Products.ToString(CultureInfo.InvariantCulture);
                settings["zipf"] = o.ZipfExponent.ToString(CultureInfo.InvariantCulture);
                if (o.CompareBaseline)
                {
                    settings["compareRate"] = o.CompareRate.ToString(CultureInfo.InvariantCulture);
                    settings["client"] = o.Client == LoadClientKind.Wrk ? "wrk" : "tool";
                }
                break;
            case Scenario.Checkout when o.Users is { } users:
                settings["users"] = users.ToString(CultureInfo.InvariantCulture);
                break;
        }
        return settings;
    }
}
