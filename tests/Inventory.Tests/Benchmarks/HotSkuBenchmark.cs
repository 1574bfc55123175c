using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Inventory.Tests.Functional;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Inventory.Tests.Benchmarks;

/// <summary>
/// What caps one hot SKU: the stock ledger alone (<see cref="IStockLedger.ReserveAsync"/> from the app's container,
/// actor turns through the embedded sidecar, as <see cref="FlashSaleBenchmark"/>'s ledger-only rows), with the stock
/// split over 1, 4 and 16 actors, with and without the sold-out flag, side by side in one run. Four phases per row,
/// same buyers and concurrency: stock that never runs out (with every hold left open, so the stock document grows with
/// each one, and with each hold committed at once), a flash sale (few units, many buyers) and a product already sold
/// out. Every sale is checked: exactly the units sold, no order held in two buckets, every bucket balanced.
/// Explicit (not part of CI):
/// <c>dotnet test tests/Inventory.Tests -c Release --filter FullyQualifiedName~HotSkuBenchmark -- xUnit.Explicit=only</c>;
/// the table is also written to <c>$HOT_SKU_REPORT</c> when set, a row as each configuration finishes.
/// </summary>
[Functional]
public class HotSkuBenchmark(ITestOutputHelper output)
{
    private const int Buyers = 2000;
    private const int SaleUnits = 200;
    private const int InFlight = 64;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Explicit = true)]
    public async Task HotSku_ReservationsPerSecond_ByStockBuckets()
    {
        // Rows are appended to the report as each finishes (the test output only shows at the end).
        var report = Environment.GetEnvironmentVariable("HOT_SKU_REPORT");
        var rows = new List<string>
        {
            $"One hot SKU, ledger only (actor ledger, embedded sidecar): {Buyers} buyers per phase, {InFlight} in flight, {Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:u}",
            "CPU: this process (app, actor host and embedded sidecar together) per call, from its CPU time over the phase.",
            "",
            "| buckets | sold-out flag | turns gathered | stock remains, holds pile up: reservations/s | p50 / p99 ms | CPU ms each | stock remains, each hold committed: sales/s | p50 / p99 ms | CPU ms each | flash sale (" + SaleUnits + " units): buyers/s | p50 / p99 ms | sold out: answers/s | p50 / p99 ms | CPU ms each |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        // One turn per change (the rollout setting) beside the default, where changes queued for a turn share it.
        foreach (var (buckets, flag, gather) in new[] { (1, true, false), (1, false, true), (1, true, true), (4, false, true), (4, true, true), (16, false, true), (16, true, true) })
        {
            var settings = new Dictionary<string, string>
            {
                ["InventoryOptions:GatherStockTurns"] = gather.ToString(),
                ["InventoryOptions:SoldOutFlag"] = flag.ToString(),
                ["InventoryOptions:StockBuckets"] = buckets.ToString(),
                ["InventoryOptions:StockBucketMinUnits"] = "1",
            };
            var fixture = new InventoryApiFixture(StockLedgerKind.Actor, settings);
            await fixture.InitializeAsync();
            try
            {
                var ledger = fixture.Factory.Services.GetRequiredService<IStockLedger>();
                var store = fixture.Factory.Services.GetRequiredService<ActorStockLedger>();
                await RunPhaseAsync(ledger, store, buckets, "warm-up", Buyers / 2, Buyers / 4);

                var remaining = await RunPhaseAsync(ledger, store, buckets, "remaining", Buyers, Buyers);
                var settled = await RunPhaseAsync(ledger, store, buckets, "settled", Buyers, Buyers, commit: true);
                var sale = await RunPhaseAsync(ledger, store, buckets, "sale", Buyers, SaleUnits);
                var soldOut = await RunPhaseAsync(ledger, store, buckets, "sold-out", Buyers, 0);
                var row = $"| {buckets} | {(flag ? "on" : "off")} | {(gather ? "yes" : "no")} | {remaining.PerSecond:F0} | {remaining.Latency} | {remaining.CpuMs:F2} | {settled.PerSecond:F0} | {settled.Latency} | {settled.CpuMs:F2} | {sale.PerSecond:F0} | {sale.Latency} | {soldOut.PerSecond:F0} | {soldOut.Latency} | {soldOut.CpuMs:F2} |";
                rows.Add(row);
                if (!string.IsNullOrEmpty(report))
                {
                    await File.WriteAllLinesAsync(report, rows, Ct);
                }
            }
            finally
            {
                await fixture.DisposeAsync();
            }
        }

        foreach (var row in rows)
        {
            output.WriteLine(row);
        }
    }

    private sealed record Phase(double PerSecond, string Latency, double CpuMs);

    // With commit, each buyer's hold is committed as soon as it is granted (a payment that settles at once), so open
    // holds stay at about the number in flight instead of piling up in the stock document; latency is the pair.
    private static async Task<Phase> RunPhaseAsync(IStockLedger ledger, IStockBuckets store, int buckets, string name, int buyers, int units, bool commit = false)
    {
        var product = $"{name}-{Guid.NewGuid():N}"[..24];
        // A product's split is fixed by its first stock, so one that starts with fewer units than buckets is split
        // with one unit each first and then set to its real stock.
        await ledger.SetAvailableAsync(product, Math.Max(units, buckets), null, Ct);
        await ledger.SetAvailableAsync(product, units, null, Ct);
        var orders = Enumerable.Range(0, buyers).Select(_ => Guid.NewGuid()).ToArray();
        var outcomes = new ReserveOutcome[buyers];
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(10);
        var load = await BoundedLoad.RunAsync(buyers, InFlight, async i =>
        {
            outcomes[i] = await ledger.ReserveAsync(product, orders[i], $"buyer-{i}", 1, expiresAt, Ct);
            if (commit && outcomes[i] == ReserveOutcome.Reserved && !await ledger.CommitAsync(product, orders[i], Ct))
            {
                throw new InvalidOperationException($"{product}: order {orders[i]} was reserved but its commit found no hold");
            }
        });

        await AssertSaleAsync(ledger, store, buckets, product, units, orders, outcomes, commit);
        return new Phase(load.PerSecond, $"{load.P50:F1} / {load.P99:F1}", load.CpuMsPerCall);
    }

    // Exactly the units sold, to exactly the orders told so, each held (or, committed, sold) in one bucket; every
    // bucket and the total balance.
    private static async Task AssertSaleAsync(IStockLedger ledger, IStockBuckets store, int buckets, string product, int units, Guid[] orders, ReserveOutcome[] outcomes, bool committed)
    {
        var sold = orders.Where((_, i) => outcomes[i] == ReserveOutcome.Reserved).ToHashSet();
        if (sold.Count != Math.Min(units, orders.Length) || outcomes.Any(o => o is not (ReserveOutcome.Reserved or ReserveOutcome.OutOfStock)))
        {
            throw new InvalidOperationException($"{product}: {sold.Count} reserved of {units} units; outcomes {string.Join(", ", outcomes.Distinct())}");
        }
        var parts = await Task.WhenAll(Enumerable.Range(0, buckets).Select(k => store.GetAsync(BucketedStockLedger.BucketId(product, k), Ct)));
        var holds = parts.SelectMany(p => p!.Reservations.Keys).ToList();
        if (parts.Any(p => p is null || !p.IsConserved) || holds.Count != holds.Distinct().Count() || !holds.ToHashSet().SetEquals(committed ? [] : sold))
        {
            throw new InvalidOperationException($"{product}: a bucket does not balance, or holds differ from the sales ({holds.Count} holds, {holds.Distinct().Count()} orders, {sold.Count} sold)");
        }
        var total = await ledger.GetAsync(product, Ct);
        if (total is null || !total.IsConserved || total.Reserved + total.Sold != sold.Count || total.Sold != (committed ? sold.Count : 0) || total.Available != units - sold.Count)
        {
            throw new InvalidOperationException($"{product}: the product does not balance: {total?.Available} available, {total?.Reserved} reserved");
        }
    }
}
