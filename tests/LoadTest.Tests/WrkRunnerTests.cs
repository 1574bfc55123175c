using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Tests;

public sealed class WrkRunnerTests
{
    [Fact]
    public void The_done_hook_line_becomes_a_phase_in_milliseconds_with_every_failure_counted()
    {
        const string json = """
            {"requests":61000,"durationUs":10000000,"status":12,"connect":0,"read":2,"write":0,"timeout":1,
             "mean":1042.5,"p50":950,"p90":1800,"p99":4250,"p999":9100,"max":20000}
            """;

        var phase = WrkRunner.Parse("baseline", "bare Kestrel", 64, json);

        Assert.Equal(61000, phase.Requests);
        Assert.Equal(6100, phase.RequestsPerSecond);
        Assert.Equal(10, phase.Seconds);
        Assert.Equal(64, phase.Concurrency);
        Assert.Equal(15, phase.Errors);
        Assert.Equal(0.95, phase.Latency!.P50Ms);
        Assert.Equal(4.25, phase.Latency.P99Ms);
        Assert.InRange(phase.Latency.MeanMs, 1.042, 1.043);
        var statuses = phase.Operations["detail"].StatusCodes;
        Assert.Equal(61000 - 12, statuses["2xx/3xx"]);
        Assert.Equal(12, statuses["other status"]);
        Assert.Equal(3, statuses["socket error"]);
    }

    [Fact]
    public void The_script_cycles_through_every_path_and_reports_through_done()
    {
        var script = WrkRunner.Script(["/api/catalog/products/MOB000001", "/api/catalog/products?q=\"tv\""]);

        Assert.Contains("\"/api/catalog/products/MOB000001\",", script, StringComparison.Ordinal);
        Assert.Contains("\"/api/catalog/products?q=\\\"tv\\\"\",", script, StringComparison.Ordinal);
        Assert.Contains("done = function(summary, latency, requests)", script, StringComparison.Ordinal);
        Assert.Contains("WRK-RESULT", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrk_drives_the_bare_baseline_and_its_result_parses()
    {
        if (WrkRunner.Find() is null)
        {
            Assert.Skip("wrk is not installed (apt-get install wrk); browse --client wrk needs it.");
        }
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BaselineServer.StartAsync(ct);

        var phase = await WrkRunner.RunAsync("baseline", server.Url, "bare Kestrel", [BaselineServer.ProductPath + "MOB000001", BaselineServer.ProductPath + "TV000002"], 4, TimeSpan.FromSeconds(1), ct);

        Assert.True(phase.Requests > 0, "wrk sent no request");
        Assert.Equal(0, phase.Errors);
        Assert.True(phase.Latency!.P99Ms > 0);
    }
}
