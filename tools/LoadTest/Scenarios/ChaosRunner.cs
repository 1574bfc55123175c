using System.Diagnostics;
using System.Globalization;
using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Injects a <see cref="ChaosSpec"/> into a flash sale on the local run: a replica killed (SIGKILL) a moment into the
/// sale and started again later, or the embedded broker's faults for the length of the sale. Settings-only scenarios
/// (slow payment, expiry race) are applied when the local run starts and need nothing here. Every action is logged
/// with its time on the sale's clock.
/// </summary>
public sealed class ChaosRunner(ChaosSpec spec, TimeSpan? restartAfter, SystemUnderTest system, ConsoleUi ui, Func<TimeSpan> clock)
{
    private readonly List<string> _events = [];
    private TimeSpan? _killedAt;
    private TimeSpan? _readyAt;
    private bool _faultsSet;

    public async Task BeforeSaleAsync(CancellationToken cancellationToken)
    {
        if (spec.Kind is ChaosKind.PubSub or ChaosKind.Invoke)
        {
            await SetFaultsAsync(spec.Faults!, cancellationToken).ConfigureAwait(false);
            _faultsSet = true;
            Log($"{FaultName} faults on: {spec.Faults}");
        }
        else if (spec.Kind is ChaosKind.SlowPayment or ChaosKind.ExpiryRace)
        {
            Log($"service settings for the whole run: {string.Join(", ", spec.AppEnvironment.SelectMany(a => a.Value.Select(kv => $"{a.Key} {kv.Key}={kv.Value}")))}");
        }
    }

    public async Task DuringSaleAsync(CancellationToken cancellationToken)
    {
        if (spec.Kind != ChaosKind.Kill)
        {
            return;
        }
        var run = system.LocalRun ?? throw new ScenarioException("--chaos kill needs the local run.");
        var replica = spec.Replica!;
        await Task.Delay(ChaosSpec.KillDelay, cancellationToken).ConfigureAwait(false);
        await run.KillAsync(replica).ConfigureAwait(false);
        _killedAt = clock();
        Log($"kill -9 {replica}");
        if (restartAfter is not { } delay)
        {
            Log($"{replica} stays down (--chaos-restart-after none)");
            return;
        }
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        Log($"restarting {replica}");
        var restarted = await run.RestartAsync(replica, cancellationToken).ConfigureAwait(false);
        _readyAt = clock();
        Log($"{replica} ready again (pid {restarted.ProcessId})");
    }

    public async Task AfterSaleAsync(CancellationToken cancellationToken)
    {
        if (_faultsSet)
        {
            await SetFaultsAsync("", cancellationToken).ConfigureAwait(false);
            _faultsSet = false;
            Log($"{FaultName} faults cleared");
        }
    }

    public ChaosResult Result() => new(spec.Text, spec.PaymentFaults,
        _killedAt is { } k ? Math.Round(k.TotalSeconds, 2) : null,
        _killedAt is { } down && _readyAt is { } up ? Math.Round((up - down).TotalSeconds, 2) : null,
        [.. _events]);

    private string FaultName => spec.Kind == ChaosKind.Invoke ? "invocation" : "pub/sub";

    /// <summary>
    /// The embedded sidecars share one broker and one invocation fault injector; any sidecar's emulator-only route sets
    /// their faults ("" clears them).
    /// </summary>
    private async Task SetFaultsAsync(string faults, CancellationToken cancellationToken)
    {
        var run = system.LocalRun ?? throw new ScenarioException($"--chaos {spec.Text} needs the local run (the embedded sidecar's fault injection).");
        var sidecar = run.Replicas[0];
        var route = spec.Kind == ChaosKind.Invoke ? "invoke" : "pubsub";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PutAsync(new Uri($"http://127.0.0.1:{sidecar.DaprHttpPort}/embedded/{route}/faults"),
            new StringContent(faults), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ScenarioException($"setting {FaultName} faults '{faults}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    private void Log(string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{clock().TotalSeconds:0.00}s {message}");
        lock (_events)
        {
            _events.Add(line);
        }
        ui.Info($"chaos: {line}");
    }
}
