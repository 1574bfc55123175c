using System.Net.Http.Json;
using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Inventory.Tests.Functional;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Inventory.Tests.Benchmarks;

/// <summary>
/// A flash sale against each ledger design, side by side in one run on the embedded sidecar: many buyers, few
/// units, one product. Explicit (not part of CI): run with
/// <c>dotnet test tests/Inventory.Tests --filter FullyQualifiedName~FlashSaleBenchmark -- xUnit.Explicit=only</c>.
/// Figures are for comparing designs with each other on one machine, not absolute capacity claims.
/// </summary>
[Functional]
public class FlashSaleBenchmark(ITestOutputHelper output)
{
    private const int Units = 50;
    private const int Buyers = 2000;
    private const int InFlight = 64;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Explicit = true)]
    public async Task FlashSale_EachLedgerDesign_SideBySide()
    {
        var rows = new List<string>
        {
            $"Flash sale: {Buyers} buyers, {Units} units of one product, {InFlight} requests in flight, {Environment.ProcessorCount} cores",
            "",
            "Whole path (OrderSubmitted delivered to the route: order record, ledger, outcome published):",
            "| design | sold | refused | wall ms | buyers/s | p50 ms | p99 ms | lost CAS | sold-out short-circuits |",
            "|---|---|---|---|---|---|---|---|---|",
        };
        var ledgerRows = new List<string>
        {
            "",
            "Ledger only (IStockLedger.ReserveAsync straight from the app's container, same load):",
            "| design | sold | refused | wall ms | reservations/s | p50 ms | p99 ms | lost CAS | sold-out short-circuits |",
            "|---|---|---|---|---|---|---|---|---|",
        };
        foreach (var (ledger, flag) in new[] { (StockLedgerKind.StateStore, false), (StockLedgerKind.StateStore, true), (StockLedgerKind.Actor, false), (StockLedgerKind.Actor, true) })
        {
            var settings = new Dictionary<string, string> { ["InventoryOptions:SoldOutFlag"] = flag.ToString() };
            var fixture = new InventoryApiFixture(ledger, settings);
            await fixture.InitializeAsync();
            try
            {
                var name = $"{ledger}{(flag ? " + sold-out flag" : "")}";
                rows.Add(await RunAsync(name, fixture));
                ledgerRows.Add(await RunLedgerOnlyAsync(name, fixture));
            }
            finally
            {
                await fixture.DisposeAsync();
            }
        }

        rows.AddRange(ledgerRows);
        foreach (var row in rows)
        {
            output.WriteLine(row);
        }
        var path = Environment.GetEnvironmentVariable("FLASH_SALE_REPORT");
        if (!string.IsNullOrEmpty(path))
        {
            await File.WriteAllLinesAsync(path, rows, Ct);
        }
    }

    private static async Task<string> RunAsync(string name, InventoryApiFixture fixture)
    {
        using var admin = fixture.Admin();
        using var client = fixture.Client(null);

        // Warm up the app, sidecar and serialisers on another product so the first buyers do not pay for JIT.
        await admin.PutAsJsonAsync("/api/inventory/warm-up", new { available = 1000 }, Ct);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => InventoryApiFixture.SubmitOrderAsync(client, Guid.NewGuid(), "warm-up")));

        var product = "hot-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = Units }, Ct)).EnsureSuccessStatusCode();
        var metrics = fixture.Factory.Services.GetRequiredService<InventoryMetrics>();
        var (conflictsBefore, shortCircuitsBefore) = (metrics.ConflictTotal, metrics.ShortCircuitTotal);

        var orders = Enumerable.Range(0, Buyers).Select(_ => Guid.NewGuid()).ToList();
        var load = await BoundedLoad.RunAsync(Buyers, InFlight, async i =>
        {
            using var response = await InventoryApiFixture.SubmitOrderAsync(client, orders[i], product);
            response.EnsureSuccessStatusCode();
        });

        await fixture.WaitForOutcomesAsync(orders, Buyers);
        var sold = fixture.Events("StockReserved", orders).Count;
        var refused = fixture.Events("StockReservationFailed", orders).Count;
        var stock = await admin.GetFromJsonAsync<Flipkart.Inventory.Apis.StockResponse>($"/api/inventory/{product}", Ct);
        if (sold != Units || stock!.Reserved != Units || stock.Available != 0)
        {
            throw new InvalidOperationException($"{name}: oversold or undersold: {sold} reserved events, stock {stock}");
        }

        return $"| {name} | {sold} | {refused} | {load.Wall.TotalMilliseconds:F0} | {load.PerSecond:F0} | {load.P50:F1} | {load.P99:F1} | {metrics.ConflictTotal - conflictsBefore} | {metrics.ShortCircuitTotal - shortCircuitsBefore} |";
    }

    private static async Task<string> RunLedgerOnlyAsync(string name, InventoryApiFixture fixture)
    {
        var ledger = fixture.Factory.Services.GetRequiredService<IStockLedger>();
        var metrics = fixture.Factory.Services.GetRequiredService<InventoryMetrics>();
        var product = "hot-" + Guid.NewGuid().ToString("N")[..8];
        await ledger.SetAvailableAsync(product, Units, null, Ct);
        var (conflictsBefore, shortCircuitsBefore) = (metrics.ConflictTotal, metrics.ShortCircuitTotal);

        var outcomes = new ReserveOutcome[Buyers];
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(10);
        var load = await BoundedLoad.RunAsync(Buyers, InFlight, async i =>
            outcomes[i] = await ledger.ReserveAsync(product, Guid.NewGuid(), $"buyer-{i}", 1, expiresAt, Ct));

        var sold = outcomes.Count(o => o == ReserveOutcome.Reserved);
        var stock = await ledger.GetAsync(product, Ct);
        if (sold != Units || stock!.Reserved != Units || !stock.IsConserved)
        {
            throw new InvalidOperationException($"{name}: {sold} reserved, stock reserved {stock?.Reserved}");
        }
        return $"| {name} | {sold} | {Buyers - sold} | {load.Wall.TotalMilliseconds:F0} | {load.PerSecond:F0} | {load.P50:F1} | {load.P99:F1} | {metrics.ConflictTotal - conflictsBefore} | {metrics.ShortCircuitTotal - shortCircuitsBefore} |";
    }
}
