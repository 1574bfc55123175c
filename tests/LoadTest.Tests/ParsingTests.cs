using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Scenarios;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Tests;

public sealed class ParsingTests
{
    [Fact]
    public void The_flash_sale_command_of_the_issue_parses()
    {
        var options = CommandLine.Parse(["flash-sale", "--buyers", "2000", "--units", "200", "--concurrency", "50"]);

        Assert.Equal(Scenario.FlashSale, options.Scenario);
        Assert.Equal(2000, options.Buyers);
        Assert.Equal(200, options.Units);
        Assert.Equal(50, options.EffectiveConcurrency);
        Assert.Null(options.Gateway);
    }

    [Fact]
    public void The_open_loop_sold_out_phase_runs_by_default_and_takes_its_rate_and_length()
    {
        Assert.Equal((200.0, TimeSpan.FromSeconds(5)), (CommandLine.Parse(["flash-sale"]).SoldOutRate, CommandLine.Parse(["flash-sale"]).SoldOutDuration));

        var options = CommandLine.Parse(["flash-sale", "--sold-out-rate", "2000", "--sold-out-seconds", "10"]);
        Assert.Equal(2000, options.SoldOutRate);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SoldOutDuration);
        Assert.Equal(TimeSpan.Zero, CommandLine.Parse(["flash-sale", "--sold-out-seconds", "0"]).SoldOutDuration);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["flash-sale", "--sold-out-rate", "0"]));
    }

    [Fact]
    public void Buyers_follow_their_orders_over_the_stream_by_default_or_poll_when_told()
    {
        Assert.Equal(OrderFollow.Stream, CommandLine.Parse(["flash-sale"]).Follow);
        Assert.Equal(OrderFollow.Poll, CommandLine.Parse(["flash-sale", "--follow", "poll"]).Follow);
        Assert.Equal(OrderFollow.Stream, CommandLine.Parse(["flash-sale", "--follow", "sse"]).Follow);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["flash-sale", "--follow", "websocket"]));
    }

    [Theory]
    [InlineData("Submitted", "Pending")]
    [InlineData("StockReserved", "Pending")]
    [InlineData("Paid", "Pending")]
    [InlineData("Confirmed", "Confirmed")]
    [InlineData("Shipped", "Confirmed")]   // fulfilment's event can reach notification before ordering's OrderConfirmed
    [InlineData("Cancelled", "Cancelled")]
    public void A_status_on_the_order_stream_maps_to_the_sagas_outcome(string status, string outcome) =>
        Assert.Equal(outcome, Orders.StreamOutcome(status));

    [Fact]
    public void Cpu_of_a_window_is_divided_over_the_work_done_in_it()
    {
        var window = new CpuCost("sale", 10, "", 0, 900, null, 0.09, [new ProcessCpu("ordering", 600, null), new ProcessCpu("payment", 300, null)]);

        var perOrder = window.Per(30, "confirmed order");

        Assert.Equal(30, perOrder.TotalMsPerUnit);
        Assert.Equal([20.0, 10.0], perOrder.Processes.Select(p => p.MsPerUnit!.Value));
        Assert.Null(window.Per(0, "confirmed order").TotalMsPerUnit);
    }

    [Fact]
    public void Defaults_depend_on_the_scenario()
    {
        Assert.Equal(100, CommandLine.Parse(["flash-sale"]).EffectiveConcurrency);
        Assert.Equal(30, CommandLine.Parse(["flash-sale", "--buyers", "30"]).EffectiveConcurrency);
        Assert.Equal(64, CommandLine.Parse(["browse"]).EffectiveConcurrency);
        Assert.Equal("Release", CommandLine.Parse(["browse"]).Configuration);
    }

    [Fact]
    public void Browse_with_the_baseline_comparison_and_a_running_gateway_parses()
    {
        var options = CommandLine.Parse(["browse", "--compare-baseline", "--gateway", "http://127.0.0.1:8080", "--duration", "5", "--rate", "500"]);

        Assert.True(options.CompareBaseline);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.Gateway);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Duration);
        Assert.Equal(500, options.Rate);
    }

    [Fact]
    public void Browse_against_the_baseline_driven_by_wrk_parses()
    {
        var options = CommandLine.Parse(["browse", "--compare-baseline", "--client", "wrk", "--duration", "10"]);

        Assert.Equal(LoadClientKind.Wrk, options.Client);
        Assert.Equal(LoadClientKind.Tool, CommandLine.Parse(["browse"]).Client);
    }

    [Theory]
    [InlineData("browse", "--client", "wrk")]
    [InlineData("browse", "--compare-baseline", "--client", "wrk", "--rate", "500")]
    [InlineData("browse", "--compare-baseline", "--client", "curl")]
    [InlineData("shop")]
    [InlineData("flash-sale", "--buyers", "0")]
    [InlineData("flash-sale", "--units")]
    [InlineData("browse", "--gateway", "not a url")]
    [InlineData("checkout", "--compare-baseline")]
    [InlineData("browse", "--frobnicate")]
    public void Bad_command_lines_are_refused_with_a_reason(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void The_rate_limit_of_the_profile_is_raised_in_the_copy_only()
    {
        const string yaml = """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: ratelimit
            spec:
              type: middleware.http.ratelimit
              version: v1
              metadata:
                - name: maxRequestsPerSecond
                  value: "1000"
            scopes: [gateway]
            """;

        var raised = ProfileOverlay.RaiseRateLimit(yaml, 100_000, out var previous);

        Assert.Equal("1000", previous);
        Assert.Contains("value: \"100000\"", raised);
        Assert.Equal(yaml.Replace("\"1000\"", "\"100000\""), raised);
    }

    [Fact]
    public void Other_components_are_left_alone()
    {
        const string yaml = "kind: Component\nspec:\n  type: state.redis\n  metadata:\n    - name: maxRequestsPerSecond\n      value: \"5\"\n";

        Assert.Equal(yaml, ProfileOverlay.RaiseRateLimit(yaml, 100_000, out var previous));
        Assert.Null(previous);
    }

    [Fact]
    public void Proc_stat_cpu_ticks_are_read_past_a_command_name_with_spaces_and_parentheses()
    {
        const string stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 30 0 100 2000000 5000 18446744073709551615";

        Assert.Equal(1234 + 567, ProcessSampler.ParseCpuTicks(stat));
    }

    [Fact]
    public void Proc_status_gives_resident_memory_and_its_high_water_mark()
    {
        var memory = ProcessSampler.ParseMemoryKb(["Name:\tdotnet", "VmHWM:\t  123456 kB", "VmRSS:\t  100000 kB", "Threads:\t20"]);

        Assert.Equal((100000L, 123456L), memory);
    }

    [Fact]
    public void The_browse_mix_is_forty_fifty_ten()
    {
        var mix = new BrowseMix(["mobiles", "laptops"], ["P1", "P2", "P3"], new ZipfSampler(3));
        var random = new Random(99);
        var counts = new Dictionary<string, int>();
        const int draws = 20_000;

        for (var i = 0; i < draws; i++)
        {
            var (operation, path) = mix.Next(random);
            counts[operation] = counts.GetValueOrDefault(operation) + 1;
            Assert.StartsWith("/api/catalog/", path);
        }

        Assert.InRange(counts["search"] / (double)draws, 0.38, 0.42);
        Assert.InRange(counts["detail"] / (double)draws, 0.48, 0.52);
        Assert.InRange(counts["categories"] / (double)draws, 0.09, 0.11);
    }
}
