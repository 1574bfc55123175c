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
}
