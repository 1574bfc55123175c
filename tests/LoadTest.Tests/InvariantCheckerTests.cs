using Flipkart.LoadTest.FlashSale;

namespace Flipkart.LoadTest.Tests;

public sealed class InvariantCheckerTests
{
    private const string Sku = "MOB000001";
    private const decimal Price = 14_999m;

    /// <summary>A clean sale of <paramref name="units"/> units to the first buyers of <paramref name="buyers"/>: the rest were turned away.</summary>
    private static FlashSaleLedger CleanSale(int buyers = 10, int units = 3)
    {
        var records = Enumerable.Range(0, buyers).Select(i => new BuyerRecord($"buyer{i}",
        [
            i < units
                ? new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []))
                : new OrderRecord(Guid.NewGuid(), "Cancelled", "OutOfStock", Price, 1, null),
        ])).ToList();
        return new FlashSaleLedger(Sku, units, new StockSnapshot(units, 0, 0), new StockSnapshot(0, 0, units), records);
    }

    private static IReadOnlyList<InvariantResult> Failed(FlashSaleLedger ledger) => InvariantChecker.Check(ledger).Where(r => !r.Passed).ToList();

    private static FlashSaleLedger WithBuyer(FlashSaleLedger ledger, int index, BuyerRecord buyer)
    {
        var buyers = ledger.Buyers.ToList();
        buyers[index] = buyer;
        return ledger with { Buyers = buyers };
    }

    [Fact]
    public void A_clean_sale_passes_every_invariant()
    {
        var results = InvariantChecker.Check(CleanSale());

        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        Assert.Equal(8, results.Count);
    }

    [Fact]
    public void A_confirmed_order_counts_as_confirmed_wherever_its_delivery_has_got_to()
    {
        var ledger = WithBuyer(CleanSale(), 0, new BuyerRecord("buyer0",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []), Status: "Delivered")]));

        Assert.Empty(Failed(ledger));
    }

    [Fact]
    public void A_confirmed_order_given_back_is_accounted_for_by_its_refund_and_restock_not_as_a_unit_sold()
    {
        // buyer0 cancelled before hand-over (refunded, its unit restocked) and buyer3 bought that unit again.
        var sale = CleanSale();
        sale = WithBuyer(sale, 0, new BuyerRecord("buyer0",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Refunded", [Price], [Price]), Status: "Cancelled")]));
        sale = WithBuyer(sale, 3, new BuyerRecord("buyer3",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []), Status: "Shipped")]));

        Assert.Empty(Failed(sale));

        // Counted as sold (never restocked), the same unit would be an oversell; kept money would be a finding too.
        var notRestocked = sale with { After = new StockSnapshot(-1, 0, 4) };
        Assert.Contains("0 oversold", Failed(notRestocked).Select(r => r.Name));
        var notRefunded = WithBuyer(sale, 0, new BuyerRecord("buyer0",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []), Status: "Refunded")]));
        Assert.Contains("no charge without refund on a Cancelled order", Failed(notRefunded).Select(r => r.Name));
    }

    [Fact]
    public void A_cancelled_order_charged_and_refunded_once_is_fine()
    {
        var ledger = WithBuyer(CleanSale(), 5, new BuyerRecord("buyer5",
            [new OrderRecord(Guid.NewGuid(), "Cancelled", "ReservationExpired", Price, 1, new PaymentRecord("Refunded", [Price], [Price]))]));

        Assert.Empty(Failed(ledger));
    }

    [Fact]
    public void An_oversold_unit_fails_the_count_and_the_oversell_checks_even_when_the_books_balance()
    {
        // A fourth buyer got a unit that did not exist: inventory went negative to serve it.
        var ledger = WithBuyer(CleanSale(), 3, new BuyerRecord("buyer3",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []))]));
        ledger = ledger with { After = new StockSnapshot(-1, 0, 4) };

        var failed = Failed(ledger).Select(r => r.Name).ToList();

        Assert.Contains("exactly K orders Confirmed", failed);
        Assert.Contains("0 oversold", failed);
        Assert.Equal(2, failed.Count);
    }

    [Fact]
    public void An_oversell_hidden_from_inventory_is_still_caught_by_the_confirmed_orders()
    {
        // Inventory's numbers look perfect, but ordering confirmed a fourth order for three units.
        var ledger = WithBuyer(CleanSale(), 3, new BuyerRecord("buyer3",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []))]));

        var failed = Failed(ledger).Select(r => r.Name).ToList();

        Assert.Contains("0 oversold", failed);
        Assert.Contains("sold = confirmed units − restocked units, no reservation left", failed);
    }

    [Fact]
    public void A_double_charge_fails()
    {
        var ledger = WithBuyer(CleanSale(), 0, new BuyerRecord("buyer0",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price, Price], []))]));

        var failed = Assert.Single(Failed(ledger));

        Assert.Equal("one charge per Confirmed order", failed.Name);
    }

    [Fact]
    public void A_confirmed_order_without_a_charge_fails()
    {
        var ledger = WithBuyer(CleanSale(), 1, new BuyerRecord("buyer1", [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, null)]));

        Assert.Equal("one charge per Confirmed order", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void A_charge_for_another_amount_fails()
    {
        var ledger = WithBuyer(CleanSale(), 2, new BuyerRecord("buyer2",
            [new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price + 1], []))]));

        Assert.Equal("one charge per Confirmed order", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void A_cancelled_order_that_kept_its_charge_fails()
    {
        var ledger = WithBuyer(CleanSale(), 7, new BuyerRecord("buyer7",
            [new OrderRecord(Guid.NewGuid(), "Cancelled", "PaymentFailed", Price, 1, new PaymentRecord("Charged", [Price], []))]));

        Assert.Equal("no charge without refund on a Cancelled order", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void A_cancelled_order_refunded_twice_fails()
    {
        var ledger = WithBuyer(CleanSale(), 7, new BuyerRecord("buyer7",
            [new OrderRecord(Guid.NewGuid(), "Cancelled", "ReservationExpired", Price, 1, new PaymentRecord("Refunded", [Price], [Price, Price]))]));

        Assert.Equal("no charge without refund on a Cancelled order", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void Two_orders_for_one_buyer_fail_the_idempotency_check()
    {
        var ledger = WithBuyer(CleanSale(), 8, new BuyerRecord("buyer8",
        [
            new OrderRecord(Guid.NewGuid(), "Cancelled", "OutOfStock", Price, 1, null),
            new OrderRecord(Guid.NewGuid(), "Cancelled", "OutOfStock", Price, 1, null),
        ]));

        Assert.Equal("at most one order per buyer (idempotent retries)", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void An_order_left_half_way_through_the_saga_fails()
    {
        // The third winner's order stopped at StockReserved: its unit is held, never sold, never released.
        var ledger = WithBuyer(CleanSale(), 2, new BuyerRecord("buyer2", [new OrderRecord(Guid.NewGuid(), "Pending", null, Price, 1, null, Status: "StockReserved")]));
        ledger = ledger with { After = new StockSnapshot(0, 1, 2) };

        var failed = Failed(ledger).Select(r => r.Name).ToList();

        Assert.Contains("every order Confirmed or Cancelled", failed);
        Assert.Contains("sold = confirmed units − restocked units, no reservation left", failed);
        Assert.Contains("exactly K orders Confirmed", failed);
    }

    [Fact]
    public void Unsold_units_fail_the_exact_count()
    {
        // Only two of three units sold although seven more buyers wanted one.
        var ledger = WithBuyer(CleanSale(), 2, new BuyerRecord("buyer2", [new OrderRecord(Guid.NewGuid(), "Cancelled", "OutOfStock", Price, 1, null)]));
        ledger = ledger with { After = new StockSnapshot(1, 0, 2) };

        Assert.Equal("exactly K orders Confirmed", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void Stock_that_appears_from_nowhere_fails_conservation()
    {
        var ledger = CleanSale() with { After = new StockSnapshot(5, 0, 3) };

        Assert.Equal("inventory conserved (available + reserved + sold = K)", Assert.Single(Failed(ledger)).Name);
    }

    [Fact]
    public void With_fewer_buyers_than_units_every_buyer_is_expected_to_get_one()
    {
        var ledger = CleanSale(buyers: 2, units: 2) with { Units = 5, Before = new StockSnapshot(5, 0, 0), After = new StockSnapshot(3, 0, 2) };

        Assert.Empty(Failed(ledger));
    }

    private const string NoWorkflowStuck = "no workflow stuck (each confirmed order's delivery completed or waits on a known event before its deadline)";

    /// <summary>The clean sale with fulfilment's verdicts read: every confirmed order's delivery waits on the courier's scan.</summary>
    private static FlashSaleLedger WithWorkflows(FlashSaleLedger ledger, Func<int, WorkflowVerdict?>? verdict = null) => ledger with
    {
        WorkflowsRead = true,
        Buyers = [.. ledger.Buyers.Select((b, i) => b with
        {
            Orders = [.. b.Orders.Select(o => o.Outcome == "Confirmed" ? o with { Workflow = (verdict ?? (_ => Waiting))(i) } : o)],
        })],
    };

    private static readonly WorkflowVerdict Waiting = new("Waiting", "awaiting CourierScan until 2026-12-08 09:00:00Z", "CourierScan", new DateTimeOffset(2026, 12, 8, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Confirmed_orders_whose_workflows_wait_on_a_known_event_or_completed_pass_no_workflow_stuck()
    {
        var ledger = WithWorkflows(CleanSale(), i => i == 1 ? new WorkflowVerdict("Completed", "delivery workflow completed; shipment Completed") : Waiting);

        var results = InvariantChecker.Check(ledger);

        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        Assert.Equal(9, results.Count);
        Assert.Contains("2 waiting on a known event, 1 completed", results.Single(r => r.Name == NoWorkflowStuck).Detail);
    }

    [Theory]
    [InlineData("Stuck", "workflow delivery-x is Terminated")]
    [InlineData("Busy", "packing")]
    public void A_confirmed_order_whose_workflow_is_stuck_or_still_busy_at_the_end_fails_no_workflow_stuck(string state, string reason)
    {
        var ledger = WithWorkflows(CleanSale(), i => i == 2 ? new WorkflowVerdict(state, reason) : Waiting);

        var failed = Assert.Single(Failed(ledger));

        Assert.Equal(NoWorkflowStuck, failed.Name);
        Assert.Contains($"{state}: {reason}", failed.Detail);
        Assert.Contains("1 of 3", failed.Detail);
    }

    [Fact]
    public void A_confirmed_order_without_a_verdict_fails_no_workflow_stuck_once_workflows_were_read()
    {
        var ledger = WithWorkflows(CleanSale(), i => i == 0 ? null : Waiting);

        Assert.Contains("not read", Assert.Single(Failed(ledger)).Detail);
    }

    [Fact]
    public void A_busy_workflow_keeps_its_order_in_flight_and_a_stuck_one_does_not()
    {
        var order = new OrderRecord(Guid.NewGuid(), "Confirmed", null, Price, 1, new PaymentRecord("Charged", [Price], []), Status: "Confirmed");

        Assert.False((order with { Workflow = new("Busy", "packing") }).IsQuiet(notificationsRead: false));
        Assert.True((order with { Workflow = new("Stuck", "terminated") }).IsQuiet(notificationsRead: false));
        Assert.True((order with { Workflow = Waiting }).IsQuiet(notificationsRead: false));
    }

    [Fact]
    public void A_verdict_is_read_from_fulfilments_liveness_report()
    {
        // As fulfilment answers GET /api/fulfilment/admin/workflows/{orderId} (camelCase, enums as strings).
        using var report = System.Text.Json.JsonDocument.Parse("""
            {"orderId":"0b8f5e52-33f5-4c39-9e0d-6bbd26a43a7b","state":"Waiting","stuck":false,"reason":"awaiting CourierScan until 2026-12-08 09:00:00Z",
             "awaitedEvent":"CourierScan","deadline":"2026-12-08T09:00:00+00:00","stage":"HandedOver",
             "delivery":{"instanceId":"delivery-0b8f5e5233f54c399e0d6bbd26a43a7b","status":"Running","failure":null},"return":null,
             "checkedAt":"2026-12-05T10:00:00+00:00","grace":"00:10:00"}
            """);
        using var stuck = System.Text.Json.JsonDocument.Parse("""{"state":"Stuck","stuck":true,"reason":"workflow delivery-1 is Failed: boom","awaitedEvent":null,"deadline":null}""");

        Assert.Equal(Waiting, WorkflowVerdict.FromJson(report.RootElement));
        Assert.Equal(new WorkflowVerdict("Stuck", "workflow delivery-1 is Failed: boom"), WorkflowVerdict.FromJson(stuck.RootElement));
        Assert.False(WorkflowVerdict.FromJson(stuck.RootElement).Alive);
    }
}
