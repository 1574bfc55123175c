using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Scenarios;

namespace Flipkart.LoadTest.Tests;

public sealed class ChaosParsingTests
{
    [Theory]
    [InlineData("kill:inventory", ChaosKind.Kill, "inventory", null)]
    [InlineData("kill:Payment", ChaosKind.Kill, "payment", null)]
    [InlineData("kill:ordering#1", ChaosKind.Kill, "ordering", null)]
    [InlineData("pubsub:duplicate=1", ChaosKind.PubSub, null, "duplicate=1")]
    [InlineData("pubsub:delay=100ms,reorder=8", ChaosKind.PubSub, null, "delay=100ms,reorder=8")]
    [InlineData("invoke:loseEvery=5", ChaosKind.Invoke, null, "loseEvery=5")]
    [InlineData("invoke:loseReplies=20,target=inventory", ChaosKind.Invoke, null, "loseReplies=20,target=inventory")]
    [InlineData("slow-payment", ChaosKind.SlowPayment, null, null)]
    [InlineData("expiry-race", ChaosKind.ExpiryRace, null, null)]
    public void Every_chaos_scenario_parses(string text, ChaosKind kind, string? replica, string? faults)
    {
        var chaos = ChaosSpec.Parse(text);

        Assert.Equal(kind, chaos.Kind);
        Assert.Equal(replica, chaos.Replica);
        Assert.Equal(faults, chaos.Faults);
    }

    [Fact]
    public void A_second_replica_is_named_as_the_local_run_names_it_and_needs_two_replicas()
    {
        var options = CommandLine.Parse(["flash-sale", "--replicas", "2", "--chaos", "kill:payment#2", "--chaos-restart-after", "none"]);

        Assert.Equal("payment#2", options.Chaos!.Replica);
        Assert.Equal(2, options.Chaos.ReplicaNumber);
        Assert.Null(options.ChaosRestartAfter);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["flash-sale", "--chaos", "kill:payment#2"]));
    }

    [Fact]
    public void A_kill_is_restarted_after_three_seconds_unless_told_otherwise()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), CommandLine.Parse(["flash-sale", "--chaos", "kill:cart"]).ChaosRestartAfter);
        Assert.Equal(TimeSpan.FromSeconds(7.5), CommandLine.Parse(["flash-sale", "--chaos", "kill:cart", "--chaos-restart-after", "7.5"]).ChaosRestartAfter);
    }

    [Fact]
    public void Payment_scenarios_set_the_providers_latency_and_the_reservation_timeout_and_relax_the_exact_count()
    {
        var slow = ChaosSpec.Parse("slow-payment");
        var race = ChaosSpec.Parse("expiry-race");

        Assert.True(slow.PaymentFaults);
        Assert.True(race.PaymentFaults);
        Assert.False(ChaosSpec.Parse("kill:payment").PaymentFaults);
        Assert.Equal("00:00:12", slow.AppEnvironment["payment"]["PaymentOptions__Latency"]);
        Assert.Equal("00:00:04", slow.AppEnvironment["ordering"]["OrderingOptions__ReservationTimeout"]);
        Assert.Equal(race.AppEnvironment["payment"]["PaymentOptions__Latency"], race.AppEnvironment["ordering"]["OrderingOptions__ReservationTimeout"]);
        Assert.Empty(ChaosSpec.Parse("pubsub:duplicate=1").AppEnvironment);
        // The last read waits out the slow provider (12 s), so a late charge shows with its refund.
        Assert.True(slow.RereadAfter > TimeSpan.FromSeconds(12));
    }

    [Theory]
    [InlineData("flash-sale", "--chaos", "kill")]
    [InlineData("flash-sale", "--chaos", "kill:warehouse")]
    [InlineData("flash-sale", "--chaos", "kill:cart#x")]
    [InlineData("flash-sale", "--chaos", "kill:cart#0")]
    [InlineData("flash-sale", "--chaos", "pubsub:")]
    [InlineData("flash-sale", "--chaos", "pubsub:duplicate")]
    [InlineData("flash-sale", "--chaos", "slow-payment:now")]
    [InlineData("flash-sale", "--chaos", "earthquake")]
    [InlineData("flash-sale", "--chaos", "kill:cart", "--gateway", "http://127.0.0.1:8080")]
    [InlineData("checkout", "--chaos", "kill:cart")]
    [InlineData("flash-sale", "--chaos", "kill:cart", "--chaos-restart-after", "soon")]
    [InlineData("soak", "--minutes", "1", "--soak-warmup", "60")]
    public void Bad_chaos_and_soak_options_are_refused_with_a_reason(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Soak_parses_with_its_defaults()
    {
        var options = CommandLine.Parse(["soak", "--minutes", "2"]);

        Assert.Equal(Scenario.Soak, options.Scenario);
        Assert.Equal(TimeSpan.FromMinutes(2), options.SoakDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), options.EffectiveSoakWarmup);
        Assert.Equal(10, options.RssGrowthLimitPercent);
        Assert.Equal(4, options.EffectiveConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(60), CommandLine.Parse(["soak", "--minutes", "10"]).EffectiveSoakWarmup);
    }

    [Fact]
    public void Service_environment_and_catalog_size_can_be_set_for_the_local_run()
    {
        var options = CommandLine.Parse(["soak", "--app-env", "DOTNET_gcServer=0", "--app-env", "A=b=c", "--catalog-products", "500"]);

        Assert.Equal("0", options.AppEnvironment["DOTNET_gcServer"]);
        Assert.Equal("b=c", options.AppEnvironment["A"]);
        Assert.Equal(500, options.EffectiveCatalogProducts);
        Assert.Equal(1000, CommandLine.Parse(["flash-sale"]).EffectiveCatalogProducts);
        Assert.Null(CommandLine.Parse(["flash-sale", "--catalog-products", "0"]).EffectiveCatalogProducts);
        Assert.Null(CommandLine.Parse(["browse"]).EffectiveCatalogProducts);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["soak", "--app-env", "=1"]));
    }

    [Fact]
    public void Flash_sale_uses_buy_now_unless_told_to_go_through_the_cart()
    {
        Assert.False(CommandLine.Parse(["flash-sale"]).ViaCart);
        Assert.True(CommandLine.Parse(["flash-sale", "--via-cart"]).ViaCart);
    }

    [Fact]
    public void Flash_sale_rehearses_three_times_unless_told_otherwise()
    {
        Assert.Equal(3, CommandLine.Parse(["flash-sale"]).Rehearsals);
        Assert.Equal(1, CommandLine.Parse(["flash-sale", "--rehearsals", "1"]).Rehearsals);
    }

    [Fact]
    public void Kafka_topics_have_one_partition_unless_told_otherwise()
    {
        Assert.Equal(1, CommandLine.Parse(["flash-sale"]).KafkaPartitions);
        Assert.Equal(64, CommandLine.Parse(["flash-sale", "--profile", "kafka-cassandra", "--kafka-partitions", "64"]).KafkaPartitions);
        Assert.Equal(64, LoadTestRun.ToLocalOptions(CommandLine.Parse(["flash-sale", "--kafka-partitions", "64"])).KafkaPartitions);
        Assert.Throws<ArgumentException>(() => CommandLine.Parse(["flash-sale", "--kafka-partitions", "0"]));
    }
}

public sealed class ConflictAnswerTests
{
    private static Reply Answer(int status, string body) => new(status, System.Text.Encoding.UTF8.GetBytes(body), null, TimeSpan.Zero);

    [Fact]
    public void A_sold_out_or_purchase_limit_409_is_final_and_an_in_progress_409_is_retried()
    {
        Assert.Equal(ShopApi.SoldOut, ShopApi.FinalConflict(Answer(409, """{"type":"https://flipkart.dapr/problems/sold-out","title":"Sold out","status":409}""")));
        Assert.Equal(ShopApi.PurchaseLimit, ShopApi.FinalConflict(Answer(409, """{"type":"https://flipkart.dapr/problems/purchase-limit","status":409}""")));
        Assert.Null(ShopApi.FinalConflict(Answer(409, """{"title":"Request in progress","status":409}""")));
        Assert.Null(ShopApi.FinalConflict(Answer(409, "not json")));
        Assert.Null(ShopApi.FinalConflict(Answer(503, """{"type":"https://flipkart.dapr/problems/sold-out"}""")));
    }
}

public sealed class ChaosInvariantTests
{
    private const decimal Price = 999m;

    private static readonly Dictionary<string, int> ConfirmedNote = new() { [NotificationKinds.OrderConfirmed] = 1 };
    private static readonly Dictionary<string, int> CancelledNote = new() { [NotificationKinds.OrderCancelled] = 1 };
    private static readonly Dictionary<string, int> RefundedNotes = new() { [NotificationKinds.OrderCancelled] = 1, [NotificationKinds.PaymentRefunded] = 1 };

    private static OrderRecord Won() => new(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []), ConfirmedNote);
    private static OrderRecord Lost(string reason = "OutOfStock") => new(Guid.NewGuid(), "Cancelled", reason, Price, 1, null, CancelledNote);
    private static OrderRecord Refunded(string reason) => new(Guid.NewGuid(), "Cancelled", reason, Price, 1, new PaymentRecord("Refunded", [Price], [Price]), RefundedNotes);

    /// <summary>Five units, eight buyers with notifications read: <paramref name="orders"/> for the first buyers, none for the rest.</summary>
    private static FlashSaleLedger Sale(int sold, params OrderRecord[] orders) => new("SKU1", 5, new StockSnapshot(5, 0, 0), new StockSnapshot(5 - sold, 0, sold),
        [.. Enumerable.Range(0, 8).Select(i => new BuyerRecord($"b{i}", i < orders.Length ? [orders[i]] : []))], NotificationsRead: true);

    private static List<string> Failed(FlashSaleLedger ledger, bool paymentFaults = false) =>
        [.. InvariantChecker.Check(ledger, new CheckRules(paymentFaults)).Where(r => !r.Passed).Select(r => r.Name)];

    [Fact]
    public void A_clean_sale_with_its_notifications_passes_all_nine_invariants()
    {
        var results = InvariantChecker.Check(Sale(5, Won(), Won(), Won(), Won(), Won(), Lost(), Lost()));

        Assert.Equal(9, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
    }

    [Fact]
    public void Under_a_payment_fault_units_left_unsold_by_expired_or_failed_payments_are_legitimate()
    {
        var ledger = Sale(3, Won(), Won(), Won(), Refunded("ReservationExpired"), Lost("PaymentFailed"), Lost());

        Assert.Empty(Failed(ledger, paymentFaults: true));
        // The same ledger without a payment fault is two units short.
        Assert.Equal(["exactly K orders Confirmed"], Failed(ledger));
    }

    [Fact]
    public void Under_a_payment_fault_units_missing_without_such_cancellations_still_fail()
    {
        // Two units unsold, but only one order was cancelled by the fault: a unit went missing.
        var ledger = Sale(3, Won(), Won(), Won(), Refunded("ReservationExpired"), Lost(), Lost());

        Assert.Equal(["K orders Confirmed, fewer only by payment-fault cancellations"], Failed(ledger, paymentFaults: true));
    }

    [Fact]
    public void Under_a_payment_fault_more_than_K_confirmed_still_fails()
    {
        var ledger = Sale(5, Won(), Won(), Won(), Won(), Won(), Won());

        Assert.Contains("K orders Confirmed, fewer only by payment-fault cancellations", Failed(ledger, paymentFaults: true));
        Assert.Contains("0 oversold", Failed(ledger, paymentFaults: true));
    }

    [Fact]
    public void A_final_order_without_its_notification_fails()
    {
        var silent = Won() with { Notifications = new Dictionary<string, int>() };

        Assert.Equal(["exactly one notification per final order and per refund"], Failed(Sale(5, Won(), Won(), Won(), Won(), silent)));
    }

    [Fact]
    public void A_notification_sent_twice_or_contradicting_the_outcome_fails()
    {
        var twice = Won() with { Notifications = new Dictionary<string, int> { [NotificationKinds.OrderConfirmed] = 2 } };
        var both = Lost() with { Notifications = new Dictionary<string, int> { [NotificationKinds.OrderCancelled] = 1, [NotificationKinds.OrderConfirmed] = 1 } };

        Assert.Equal(["exactly one notification per final order and per refund"], Failed(Sale(5, Won(), Won(), Won(), Won(), twice)));
        Assert.Equal(["exactly one notification per final order and per refund"], Failed(Sale(5, Won(), Won(), Won(), Won(), Won(), both)));
    }

    [Fact]
    public void A_refund_without_its_notification_fails()
    {
        var unannounced = Refunded("ReservationExpired") with { Notifications = CancelledNote };

        Assert.Equal(["exactly one notification per final order and per refund"],
            Failed(Sale(3, Won(), Won(), Won(), unannounced, Lost("PaymentFailed")), paymentFaults: true));
    }

    [Fact]
    public void A_cancelled_order_charged_but_not_refunded_fails_under_chaos_too()
    {
        var kept = Lost("ReservationExpired") with { Payment = new PaymentRecord("Charged", [Price], []) };

        Assert.Contains("no charge without refund on a Cancelled order", Failed(Sale(4, Won(), Won(), Won(), Won(), kept), paymentFaults: true));
    }

    [Fact]
    public void An_order_is_quiet_only_when_final_refunded_and_notified()
    {
        Assert.True(Won().IsQuiet(notificationsRead: true));
        Assert.True(Refunded("PaymentFailed").IsQuiet(notificationsRead: true));
        Assert.False((Won() with { Outcome = "Pending", Status = "StockReserved" }).IsQuiet(notificationsRead: true));
        Assert.False((Won() with { Notifications = new Dictionary<string, int>() }).IsQuiet(notificationsRead: true));
        Assert.True((Won() with { Notifications = null }).IsQuiet(notificationsRead: false));
        Assert.False((Refunded("PaymentFailed") with { Payment = new PaymentRecord("Charged", [Price], []) }).IsQuiet(notificationsRead: true));
        Assert.False((Refunded("PaymentFailed") with { Notifications = CancelledNote }).IsQuiet(notificationsRead: true));
    }
}

public sealed class SoakAnalysisTests
{
    private static List<RssPoint> Series(Func<double, double> service, double seconds = 120, double every = 2) =>
        [.. Enumerable.Range(0, (int)(seconds / every) + 1).Select(i => i * every)
            .Select(t => new RssPoint(t, new Dictionary<string, double> { ["ordering"] = service(t), ["loadtest+sidecars"] = 100 + t })) ];

    [Fact]
    public void Memory_that_levels_off_after_the_warm_up_passes()
    {
        // Climbs to 150 MB during the first 30 s, then wobbles by a couple of MB.
        var growth = SoakAnalysis.Growth(Series(t => t < 30 ? 100 + t * 5 / 3 : 150 + (t % 4 == 0 ? 2 : -2)), TimeSpan.FromSeconds(30), 10);

        var ordering = Assert.Single(growth, g => g.Process == "ordering");
        Assert.True(ordering.Passed);
        Assert.InRange(ordering.GrowthPercent, -3, 3);
    }

    [Fact]
    public void Memory_that_keeps_growing_fails_with_its_growth()
    {
        // 0.25 MB/s from 150 MB: about +15 MB between the windows after the warm-up and at the end.
        var growth = SoakAnalysis.Growth(Series(t => 150 + t / 4), TimeSpan.FromSeconds(30), 10);

        var ordering = Assert.Single(growth, g => g.Process == "ordering");
        Assert.False(ordering.Passed);
        Assert.InRange(ordering.GrowthPercent, 10.1, 15);
    }

    [Fact]
    public void The_tools_own_process_is_reported_but_not_judged()
    {
        var growth = SoakAnalysis.Growth(Series(_ => 150), TimeSpan.FromSeconds(30), 10);

        var tool = Assert.Single(growth, g => g.Process == "loadtest+sidecars");
        Assert.False(tool.Judged);
        Assert.True(tool.Passed);
        Assert.True(tool.GrowthPercent > 10);
    }

    [Fact]
    public void No_samples_give_no_verdict()
    {
        Assert.Empty(SoakAnalysis.Growth([], TimeSpan.FromSeconds(10), 10));
    }
}

public sealed class CpuComparisonTests
{
    private static System.Text.Json.JsonElement Run(double total, params (string Name, double Ms)[] processes) =>
        System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(new
        {
            flashSale = new { saleCpu = new { totalMsPerUnit = total, processes = processes.Select(p => new { name = p.Name, cpuMs = p.Ms * 200, msPerUnit = p.Ms }) } },
        })).RootElement;

    [Fact]
    public void Two_sales_are_compared_per_process_with_the_total_first_and_a_process_missing_from_one_side_kept()
    {
        var rows = Flipkart.LoadTest.Reporting.CpuComparison.Compare(
            Run(430, ("ordering", 69), ("cart", 17.6), ("catalog", 21.7)),
            Run(151, ("ordering", 29.1), ("cart", 2.3), ("fulfilment", 10.4)));

        Assert.Equal(["all processes", "ordering", "catalog", "cart", "fulfilment"], rows.Select(r => r.Process));
        Assert.Equal(0.35, rows[0].Ratio);
        Assert.Equal(0.13, rows.Single(r => r.Process == "cart").Ratio);
        Assert.Null(rows.Single(r => r.Process == "fulfilment").Before);
        Assert.Null(rows.Single(r => r.Process == "catalog").After);
    }

    [Fact]
    public void The_compare_command_prints_the_table_and_draws_the_chart()
    {
        var directory = Directory.CreateTempSubdirectory("loadtest-compare-");
        try
        {
            var (before, after, chart) = (Path.Combine(directory.FullName, "before.json"), Path.Combine(directory.FullName, "after.json"), Path.Combine(directory.FullName, "cmp.png"));
            File.WriteAllText(before, Run(430, ("ordering", 69)).GetRawText());
            File.WriteAllText(after, Run(151, ("ordering", 29.1)).GetRawText());
            var output = new StringWriter();

            Assert.Equal(ExitCodes.Passed, Flipkart.LoadTest.Reporting.CpuComparison.Run([before, after, "--out", chart], output));

            Assert.Contains("| all processes | 430.0 | 151.0 | 0.35 |", output.ToString());
            Assert.True(new FileInfo(chart).Length > 1000);
            Assert.Equal(ExitCodes.Usage, Flipkart.LoadTest.Reporting.CpuComparison.Run([before], new StringWriter()));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
