using System.Diagnostics.Metrics;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Counters that explain the hot-SKU behaviour: outcomes, lost compare-and-swaps and sold-out short-circuits.
/// Exported through OpenTelemetry and also kept as plain totals for the benchmark.
/// </summary>
// Named under the "Flipkart." prefix, which ServiceDefaults already exports.
public sealed class InventoryMetrics : IDisposable
{
    public const string MeterName = "Flipkart.Inventory";

    private readonly Meter meter = new(MeterName);
    private readonly Counter<long> reservations;
    private readonly Counter<long> conflicts;
    private readonly Counter<long> shortCircuits;
    private readonly Counter<long> availabilityReads;
    private readonly Histogram<int> turnChanges;
    private long conflictTotal;
    private long availabilityLedgerReadTotal;
    private long shortCircuitTotal;
    private long stockTurnTotal;
    private long stockTurnChangeTotal;

    public InventoryMetrics()
    {
        reservations = meter.CreateCounter<long>("flipkart.inventory.reservations", description: "Per-product reservation attempts by outcome");
        conflicts = meter.CreateCounter<long>("flipkart.inventory.cas_conflicts", description: "Compare-and-swap writes that lost a race and were retried");
        shortCircuits = meter.CreateCounter<long>("flipkart.inventory.sold_out_short_circuits", description: "Reservations turned away by the sold-out flag");
        turnChanges = meter.CreateHistogram<int>("flipkart.inventory.stock_turn_changes", unit: "{change}",
            description: "Order-level changes carried by one gathered stock-actor turn: what queued for the actor while its previous turn ran");
        availabilityReads = meter.CreateCounter<long>("flipkart.inventory.availability_reads", description: "Public availability reads, by whether the ledger was asked (miss) or a cached or shared answer served (hit)");
    }

    /// <summary>Availability reads that went to the ledger (the actor or the store) rather than the cache.</summary>
    public long AvailabilityLedgerReadTotal => Interlocked.Read(ref availabilityLedgerReadTotal);

    public void AvailabilityRead(bool askedLedger)
    {
        if (askedLedger)
        {
            Interlocked.Increment(ref availabilityLedgerReadTotal);
        }
        availabilityReads.Add(1, new KeyValuePair<string, object?>("result", askedLedger ? "miss" : "hit"));
    }

    public long ConflictTotal => Interlocked.Read(ref conflictTotal);

    public long ShortCircuitTotal => Interlocked.Read(ref shortCircuitTotal);

    /// <summary>One gathered turn sent to a stock actor with <paramref name="changes"/> changes: a hot SKU's queue, seen per turn.</summary>
    public void StockTurn(int changes)
    {
        Interlocked.Increment(ref stockTurnTotal);
        Interlocked.Add(ref stockTurnChangeTotal, changes);
        turnChanges.Record(changes);
    }

    /// <summary>Gathered stock-actor turns sent, and the changes they carried.</summary>
    public (long Turns, long Changes) StockTurnTotals => (Interlocked.Read(ref stockTurnTotal), Interlocked.Read(ref stockTurnChangeTotal));

    public void Reservation(ReserveOutcome outcome) => reservations.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void Conflict()
    {
        Interlocked.Increment(ref conflictTotal);
        conflicts.Add(1);
    }

    public void ShortCircuit()
    {
        Interlocked.Increment(ref shortCircuitTotal);
        shortCircuits.Add(1);
    }

    public void Dispose() => meter.Dispose();
}
