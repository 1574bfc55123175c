using System.Globalization;

namespace Flipkart.LoadTest.FlashSale;

/// <summary>
/// The flash sale's promises, checked on the services' own records: every unit sold exactly once and never more,
/// stock conserved, every order settled, one order per buyer however often it retried, one charge per confirmed
/// order, no cancelled order keeping a buyer's money, and (when read) exactly one notification per final order.
/// An order counts as confirmed by its saga's outcome, wherever its delivery has got to since; one confirmed and then
/// given back (cancelled before hand-over, or returned and refunded) counts with its refund and its restocked units,
/// not as a unit sold. When fulfilment's workflows were read, every confirmed order's delivery (and return) must have
/// completed or wait on a known event before its deadline: none stuck.
/// </summary>
public static class InvariantChecker
{
    public const string Confirmed = "Confirmed";
    public const string Cancelled = "Cancelled";
    public const string Charged = "Charged";

    /// <summary>Cancellation reasons a payment fault makes legitimate: the provider declined or was slower than the reservation.</summary>
    public static readonly IReadOnlySet<string> PaymentFaultReasons = new HashSet<string>(StringComparer.Ordinal) { "PaymentFailed", "ReservationExpired" };

    public static IReadOnlyList<InvariantResult> Check(FlashSaleLedger ledger, CheckRules? rules = null)
    {
        rules ??= CheckRules.Strict;
        var orders = ledger.Buyers.SelectMany(b => b.Orders).ToList();
        var confirmed = orders.Where(o => o.Outcome == Confirmed).ToList();
        var givenBack = confirmed.Where(o => o.GivenBack).ToList();
        var kept = confirmed.Where(o => !o.GivenBack).ToList();
        var keptUnits = kept.Sum(o => o.Quantity);
        var restockedUnits = givenBack.Sum(o => o.Quantity);
        // Every buyer wants one unit; with fewer buyers than units, all of them should get one.
        var expected = Math.Min(ledger.Units, ledger.Buyers.Count);
        var soldDuringSale = ledger.After.Sold - ledger.Before.Sold;
        var results = new List<InvariantResult>();

        if (rules.PaymentFaultsInjected)
        {
            // A unit whose buyer's payment failed or came too late goes back to stock and may stay unsold once every
            // buyer has tried: fewer than K is fine, but only by as many orders as the fault cancelled.
            var faultCancelled = orders.Count(o => o.Outcome == Cancelled && o.CancellationReason is { } r && PaymentFaultReasons.Contains(r));
            results.Add(new("K orders Confirmed, fewer only by payment-fault cancellations",
                confirmed.Count <= expected + givenBack.Count && expected - confirmed.Count <= faultCancelled,
                $"{confirmed.Count} Confirmed of {expected} (units {ledger.Units}, buyers {ledger.Buyers.Count}); {faultCancelled} cancelled by the payment fault (PaymentFailed/ReservationExpired)"));
        }
        else
        {
            // A unit given back during the sale may be bought again, so each give-back allows one more confirmation.
            results.Add(new("exactly K orders Confirmed", confirmed.Count >= expected && confirmed.Count <= expected + givenBack.Count,
                $"{confirmed.Count} Confirmed, expected {expected} (units {ledger.Units}, buyers {ledger.Buyers.Count}); {givenBack.Count} given back since"));
        }

        var oversold = Math.Max(0, keptUnits - ledger.Units);
        var negative = ledger.After.Available < 0 || ledger.After.Reserved < 0 || ledger.After.Sold < 0;
        results.Add(new("0 oversold", oversold == 0 && soldDuringSale <= ledger.Units && !negative,
            $"{keptUnits} units confirmed and kept and {soldDuringSale} sold for {ledger.Units} on sale; oversold {Math.Max(oversold, soldDuringSale - ledger.Units)}; " +
            $"after: available {ledger.After.Available}, reserved {ledger.After.Reserved}, sold {ledger.After.Sold}"));

        results.Add(new("inventory conserved (available + reserved + sold = K)", ledger.After.Total == ledger.Before.Total && ledger.Before.Total == ledger.Units + ledger.Before.Sold + ledger.Before.Reserved,
            $"before {Describe(ledger.Before)}, after {Describe(ledger.After)}, units put on sale {ledger.Units}"));

        results.Add(new("sold = confirmed units − restocked units, no reservation left", soldDuringSale == keptUnits && ledger.After.Reserved == ledger.Before.Reserved,
            $"sold during the sale {soldDuringSale}, confirmed units {keptUnits + restockedUnits} − restocked {restockedUnits}, reserved {ledger.Before.Reserved} → {ledger.After.Reserved}"));

        var unsettled = orders.Where(o => o.Outcome is not (Confirmed or Cancelled)).ToList();
        results.Add(new("every order Confirmed or Cancelled", unsettled.Count == 0,
            unsettled.Count == 0 ? $"{orders.Count} orders, all settled" : $"{unsettled.Count} unsettled, e.g. {Sample(unsettled, o => $"{o.OrderId} {o.Outcome} ({o.Status})")}"));

        var duplicated = ledger.Buyers.Where(b => b.Orders.Count > 1).ToList();
        results.Add(new("at most one order per buyer (idempotent retries)", duplicated.Count == 0,
            duplicated.Count == 0 ? $"{ledger.Buyers.Count(b => b.Orders.Count == 1)} buyers with one order, {ledger.Buyers.Count(b => b.Orders.Count == 0)} with none"
                : $"{duplicated.Count} buyers with several orders, e.g. {Sample(duplicated, b => $"{b.UserId} ({b.Orders.Count})")}"));

        var badCharges = confirmed.Where(o => o.Payment is not { } p || p.Charges.Count != 1 || p.Charges[0] != o.Total
            || (!o.GivenBack && (p.Status != Charged || p.Refunds.Count != 0))).ToList();
        results.Add(new("one charge per Confirmed order", badCharges.Count == 0,
            badCharges.Count == 0 ? $"{confirmed.Count} Confirmed orders, each charged once for its total ({givenBack.Count} refunded since)"
                : $"{badCharges.Count} Confirmed orders without exactly one charge of their total, e.g. {Sample(badCharges, DescribePayment)}"));

        var keepingMoney = orders.Where(o => o.OwesNothing && o.Payment is { } p && (p.Charges.Count > 1 || p.Charges.Count != p.Refunds.Count || p.Charges.Sum() != p.Refunds.Sum())).ToList();
        var cancelledCharged = orders.Count(o => o.OwesNothing && o.Payment is { Charges.Count: > 0 });
        results.Add(new("no charge without refund on a Cancelled order", keepingMoney.Count == 0,
            keepingMoney.Count == 0 ? $"{orders.Count(o => o.Outcome == Cancelled)} Cancelled and {givenBack.Count} given back, {cancelledCharged} of them charged and refunded in full"
                : $"{keepingMoney.Count} Cancelled or given back orders keep money, e.g. {Sample(keepingMoney, DescribePayment)}"));

        if (ledger.NotificationsRead)
        {
            var final = orders.Where(o => o.Outcome is Confirmed or Cancelled).ToList();
            var badNotes = final.Where(o => !NotifiedOnce(o)).ToList();
            var refunded = final.Count(o => o.Payment is { Refunds.Count: > 0 });
            results.Add(new("exactly one notification per final order and per refund", badNotes.Count == 0,
                badNotes.Count == 0 ? $"{final.Count} final orders each notified once ({refunded} refund notifications)"
                    : $"{badNotes.Count} orders notified wrongly, e.g. {Sample(badNotes, DescribeNotifications)}"));
        }

        if (ledger.WorkflowsRead)
        {
            var notAlive = confirmed.Where(o => o.Workflow?.Alive != true).ToList();
            var waiting = confirmed.Count(o => o.Workflow?.State == "Waiting");
            results.Add(new("no workflow stuck (each confirmed order's delivery completed or waits on a known event before its deadline)", notAlive.Count == 0,
                notAlive.Count == 0 ? $"{confirmed.Count} confirmed orders: {waiting} waiting on a known event, {confirmed.Count - waiting} completed"
                    : $"{notAlive.Count} of {confirmed.Count} confirmed orders stuck or still busy, e.g. {Sample(notAlive, o => $"{o.OrderId} {o.Workflow?.State ?? "not read"}: {o.Workflow?.Reason}")}"));
        }

        return results;
    }

    private static bool NotifiedOnce(OrderRecord o)
    {
        var notes = o.Notifications ?? new Dictionary<string, int>();
        // A confirmed order cancelled before hand-over is told both, once each.
        var confirmedNotes = o.Outcome == Confirmed ? 1 : 0;
        var cancelledNotes = o.Outcome == Cancelled || o.Status == Cancelled ? 1 : 0;
        return notes.GetValueOrDefault(NotificationKinds.OrderConfirmed) == confirmedNotes && notes.GetValueOrDefault(NotificationKinds.OrderCancelled) == cancelledNotes
            && notes.GetValueOrDefault(NotificationKinds.PaymentRefunded) == (o.Payment?.Refunds.Count ?? 0);
    }

    private static string DescribeNotifications(OrderRecord o) =>
        $"{o.OrderId} {o.Outcome}/{o.Status} (refunds {o.Payment?.Refunds.Count ?? 0}): [{string.Join(", ", (o.Notifications ?? new Dictionary<string, int>()).Select(n => $"{n.Key}×{n.Value}"))}]";

    private static string Describe(StockSnapshot s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Available}+{s.Reserved}+{s.Sold}={s.Total}");

    private static string DescribePayment(OrderRecord o) => o.Payment is { } p
        ? string.Create(CultureInfo.InvariantCulture, $"{o.OrderId} {o.Outcome}/{o.Status} total {o.Total}: payment {p.Status}, charges [{string.Join(", ", p.Charges)}], refunds [{string.Join(", ", p.Refunds)}]")
        : $"{o.OrderId} {o.Outcome}/{o.Status}: no payment record";

    private static string Sample<T>(IEnumerable<T> items, Func<T, string> describe) => string.Join("; ", items.Take(3).Select(describe));
}

/// <summary>What the run did to the system, and so which outcomes are legitimate.</summary>
/// <param name="PaymentFaultsInjected">The payment provider was slowed or raced against reservation expiry: orders may be
/// cancelled (PaymentFailed, ReservationExpired) and their units left unsold.</param>
public sealed record CheckRules(bool PaymentFaultsInjected = false)
{
    public static readonly CheckRules Strict = new();
}
