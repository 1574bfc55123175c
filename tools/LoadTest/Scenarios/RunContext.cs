using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>What a scenario works with: options, the target (null for the baseline alone), the console and the result being filled.</summary>
public sealed class RunContext(LoadTestOptions options, SystemUnderTest? system, ConsoleUi ui, RunResult result)
{
    public LoadTestOptions Options => options;
    public SystemUnderTest? System => system;
    public ConsoleUi Ui => ui;
    public RunResult Result => result;

    /// <summary>Unique per run, so users and keys never collide with an earlier run against the same system.</summary>
    public string RunTag { get; } = DateTimeOffset.UtcNow.ToString("MMddHHmmss", global::System.Globalization.CultureInfo.InvariantCulture);

    public SystemUnderTest RequireSystem() => system ?? throw new InvalidOperationException("This scenario needs the shop running.");

    /// <summary>
    /// One measured phase: an unmeasured warm-up (JIT, connection pool, caches), then <paramref name="request"/> offered
    /// closed-loop by the concurrency or open-loop at <paramref name="rate"/> for the duration. The phase joins the result.
    /// </summary>
    public async Task<PhaseResult> RunPhaseAsync(string name, string target, double? rate, Func<LoadStats, Random, long?, CancellationToken, Task> request, CancellationToken cancellationToken)
    {
        var concurrency = options.EffectiveConcurrency;
        if (options.Warmup > TimeSpan.Zero)
        {
            ui.Info($"{name}: warming up for {options.Warmup.TotalSeconds:0.#}s ...");
            var warm = new LoadStats(name + " (warm-up)");
            await OfferAsync(warm, options.Warmup).ConfigureAwait(false);
        }

        var stats = new LoadStats(name);
        await ui.TrackAsync(name, stats, options.Duration, async () =>
        {
            await OfferAsync(stats, options.Duration).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        var phase = PhaseResult.From(stats, target, stats.Elapsed, concurrency, rate, ["dropped"]);
        result.Phases.Add(phase);
        return phase;

        Task OfferAsync(LoadStats into, TimeSpan duration) => rate is { } r
            ? LoadRunner.RunFixedRateAsync(r, duration, Math.Max(concurrency, 64) * 4, options.Seed,
                (random, scheduledAt, ct) => request(into, random, scheduledAt, ct), () => into.Count("dropped"), cancellationToken)
            : LoadRunner.RunClosedLoopAsync(concurrency, duration, null, options.Seed,
                (_, random, ct) => request(into, random, null, ct), cancellationToken);
    }
}
