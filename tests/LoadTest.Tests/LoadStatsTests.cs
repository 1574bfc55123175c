using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Tests;

public sealed class LoadStatsTests
{
    /// <summary>A clock the test moves by hand, so rates per interval are exact.</summary>
    private sealed class ManualClock
    {
        public TimeSpan Now { get; set; }
    }

    [Fact]
    public void Percentiles_come_from_every_recorded_latency()
    {
        var stats = new LoadStats("phase");
        for (var ms = 1; ms <= 1000; ms++)
        {
            stats.Record("detail", 200, TimeSpan.FromMilliseconds(ms), isError: false);
        }

        var latency = stats.Latency("detail")!;

        Assert.Equal(1000, latency.Count);
        // HdrHistogram with 3 significant digits: within 0.1% of the exact order statistic.
        Assert.InRange(latency.P50Ms, 499.5, 500.6);
        Assert.InRange(latency.P90Ms, 899.1, 901);
        Assert.InRange(latency.P99Ms, 989, 991);
        Assert.InRange(latency.P999Ms, 998, 1000.6);
        Assert.InRange(latency.MaxMs, 999, 1001);
        Assert.InRange(latency.MeanMs, 500, 501.1);
    }

    [Fact]
    public void Status_codes_and_errors_are_counted_per_operation()
    {
        var stats = new LoadStats("phase");
        stats.Record("search", 200, TimeSpan.FromMilliseconds(2), false);
        stats.Record("search", 200, TimeSpan.FromMilliseconds(2), false);
        stats.Record("search", 503, TimeSpan.FromMilliseconds(9), true);
        stats.Record("place-order", 429, TimeSpan.FromMilliseconds(1), false);
        stats.Record("place-order", LoadStats.NoResponse, TimeSpan.FromSeconds(30), true);

        var codes = stats.StatusCodes();

        Assert.Equal(new Dictionary<string, long> { ["200"] = 2, ["503"] = 1 }, codes["search"]);
        Assert.Equal(new Dictionary<string, long> { ["no-response"] = 1, ["429"] = 1 }, codes["place-order"]);
        Assert.Equal(2, stats.Errors);
        Assert.Equal(5, stats.Requests());
        Assert.Equal(3, stats.Requests("search"));
    }

    [Fact]
    public void Each_tick_closes_an_interval_with_its_own_rate_and_percentiles()
    {
        var clock = new ManualClock();
        var stats = new LoadStats("phase", () => clock.Now);
        for (var i = 0; i < 100; i++)
        {
            stats.Record("detail", 200, TimeSpan.FromMilliseconds(10), false);
        }
        stats.Count("confirmed", 4);
        clock.Now = TimeSpan.FromSeconds(2);

        var first = stats.Tick();
        stats.Record("detail", 200, TimeSpan.FromMilliseconds(50), false);
        clock.Now = TimeSpan.FromSeconds(3);
        var second = stats.Tick();

        Assert.Equal(100, first.Requests);
        Assert.Equal(50, first.RequestsPerSecond, 6);
        Assert.Equal(10, first.P99Ms!.Value, 1);
        Assert.Equal(2, first.Counters["confirmed"], 6);
        Assert.Equal(1, second.Requests);
        Assert.Equal(50, second.P50Ms!.Value, 1);
        Assert.False(second.Counters.ContainsKey("confirmed"));
        Assert.Equal(4, stats.Counter("confirmed"));
        Assert.Equal([2.0, 3.0], stats.Timeline.Select(p => p.Seconds));
    }

    [Fact]
    public void An_interval_without_requests_has_no_percentiles()
    {
        var clock = new ManualClock { Now = TimeSpan.FromSeconds(1) };
        var stats = new LoadStats("phase", () => clock.Now);

        var point = stats.Tick();

        Assert.Equal(0, point.Requests);
        Assert.Null(point.P50Ms);
        Assert.Null(point.P99Ms);
    }

    [Fact]
    public void Durations_are_summarised_apart_from_requests()
    {
        var stats = new LoadStats("phase");
        stats.Record("place-order", 202, TimeSpan.FromMilliseconds(5), false);
        stats.RecordDuration("buy decision (polled)", TimeSpan.FromMilliseconds(400));

        Assert.Equal(5, stats.Combined()!.MaxMs, 1);
        Assert.Equal(["buy decision (polled)"], stats.DurationNames());
        Assert.Equal(400, stats.Latency("buy decision (polled)")!.P50Ms, 0);
    }

    [Fact]
    public void A_phase_result_reports_rates_over_its_own_length()
    {
        var clock = new ManualClock();
        var stats = new LoadStats("browse", () => clock.Now);
        for (var i = 0; i < 300; i++)
        {
            stats.Record(i % 3 == 0 ? "search" : "detail", 200, TimeSpan.FromMilliseconds(3), false);
        }
        stats.Record("detail", 500, TimeSpan.FromMilliseconds(3), true);
        clock.Now = TimeSpan.FromSeconds(10);
        stats.Tick();

        var phase = PhaseResult.From(stats, "test", TimeSpan.FromSeconds(10), 8, null);

        Assert.Equal(301, phase.Requests);
        Assert.Equal(30.1, phase.RequestsPerSecond, 6);
        Assert.Equal(1, phase.Errors);
        Assert.Equal(10, phase.Operations["search"].RequestsPerSecond, 6);
        Assert.Equal(201, phase.Operations["detail"].Requests);
        Assert.Equal(1, phase.Operations["detail"].StatusCodes["500"]);
    }
}
