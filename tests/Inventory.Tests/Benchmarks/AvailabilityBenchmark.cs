using System.Net.Http.Json;
using Flipkart.Inventory;
using Flipkart.Inventory.Infrastructure;
using Inventory.Tests.Functional;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Inventory.Tests.Benchmarks;

/// <summary>
/// Public availability reads of one hot product, per ledger and with the per-replica cache on or off, on the
/// embedded sidecar (in-process HTTP, no gateway). Explicit (not part of CI): run with
/// <c>dotnet test tests/Inventory.Tests -c Release --filter FullyQualifiedName~AvailabilityBenchmark -- xUnit.Explicit=only</c>.
/// For comparing the rows with each other on one machine, not a capacity claim.
/// </summary>
[Functional]
public class AvailabilityBenchmark(ITestOutputHelper output)
{
    private const int Reads = 20_000;
    private const int InFlight = 64;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Explicit = true)]
    public async Task AvailabilityReads_PerLedger_WithAndWithoutTheCache()
    {
        var rows = new List<string>
        {
            $"Availability reads: {Reads} GETs of one product, {InFlight} in flight, {Environment.ProcessorCount} cores",
            "| ledger | cache | wall ms | reads/s | p50 ms | p99 ms | ledger reads | ledger reads/s |",
            "|---|---|---|---|---|---|---|---|",
        };
        foreach (var (ledger, ttl) in new[] { (StockLedgerKind.Actor, "00:00:00.250"), (StockLedgerKind.Actor, "00:00:00"), (StockLedgerKind.StateStore, "00:00:00.250"), (StockLedgerKind.StateStore, "00:00:00") })
        {
            var fixture = new InventoryApiFixture(ledger, new Dictionary<string, string> { ["InventoryOptions:AvailabilityCacheTtl"] = ttl });
            await fixture.InitializeAsync();
            try
            {
                rows.Add(await RunAsync($"| {ledger} | {(ttl == "00:00:00" ? "off (single flight only)" : "250 ms")} ", fixture));
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

    private static async Task<string> RunAsync(string label, InventoryApiFixture fixture)
    {
        using var admin = fixture.Admin();
        (await admin.PutAsJsonAsync("/api/inventory/hot", new { available = 100 }, Ct)).EnsureSuccessStatusCode();
        using var client = fixture.Client(null);
        // Warm-up (JIT, connections, actor activation), not measured.
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(_ => client.GetAsync("/api/inventory/hot/availability", Ct)));
        var metrics = fixture.Factory.Services.GetRequiredService<InventoryMetrics>();
        var ledgerReadsBefore = metrics.AvailabilityLedgerReadTotal;

        var load = await BoundedLoad.RunAsync(Reads, InFlight, async _ =>
        {
            using var response = await client.GetAsync("/api/inventory/hot/availability", Ct);
            response.EnsureSuccessStatusCode();
        });

        var ledgerReads = metrics.AvailabilityLedgerReadTotal - ledgerReadsBefore;

        return $"{label}| {load.Wall.TotalMilliseconds:F0} | {load.PerSecond:F0} | {load.P50:F1} | {load.P99:F1} | {ledgerReads} | {ledgerReads / load.Wall.TotalSeconds:F0} |";
    }
}
