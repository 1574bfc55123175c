using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>What a sale looks like: how many buyers race for how many units, and what goes wrong meanwhile.</summary>
/// <param name="Chaos">Runs beside the buyers (kill a process, turn on faults); the sale settles after it ends.</param>
/// <param name="DecliningBuyers">Every n-th buyer's card is declined (user id prefix <c>decline-</c>); 0 = none.</param>
public sealed record SaleSpec(string Scenario, int Buyers, int Units, Func<CancellationToken, Task>? Chaos = null, int DecliningBuyers = 0);

public sealed record Stock(int Available, int Reserved, int Sold)
{
    public int Total => Available + Reserved + Sold;
}

/// <summary>Fulfilment's liveness verdict on a confirmed order's workflows (<c>GET /api/fulfilment/admin/workflows/{orderId}</c>).</summary>
/// <param name="State">Completed, Waiting (on a known event before its deadline), Busy (between two waits, within the grace) or Stuck.</param>
public sealed record WorkflowVerdict(string State, string Reason)
{
    public bool Alive => State is "Completed" or "Waiting";
}

/// <summary>One order as the services report it.</summary>
/// <param name="Outcome">How its checkout saga ended (ordering's <c>outcome</c>): Confirmed, Cancelled (before confirmation) or Pending.</param>
/// <param name="Status">Where it is on its timeline since (ordering's <c>status</c>): Confirmed, Packed, Shipped… or Cancelled, Refunded.</param>
/// <param name="Workflow">Fulfilment's verdict on its delivery and return workflows; read for confirmed orders only.</param>
public sealed record SettledOrder(Guid OrderId, string UserId, string Outcome, string Status, string? Reason, decimal Total, int Quantity, int Charges, int Refunds,
    IReadOnlyDictionary<string, int> Notifications, WorkflowVerdict? Workflow = null)
{
    public bool IsFinal => Outcome is "Confirmed" or "Cancelled";

    /// <summary>Confirmed, then cancelled before hand-over or returned and refunded: its money and its units went back.</summary>
    public bool GivenBack => Outcome == "Confirmed" && Status is "Cancelled" or "Refunded";

    /// <summary>The buyer owes nothing for it, so every charge is refunded.</summary>
    public bool OwesNothing => Outcome == "Cancelled" || GivenBack;

    /// <summary>Told of the confirmation once if confirmed, of the cancellation once if cancelled (before or after confirmation).</summary>
    public int DueNotifications(string kind) => kind switch
    {
        "OrderConfirmed" => Outcome == "Confirmed" ? 1 : 0,
        "OrderCancelled" => Outcome == "Cancelled" || Status == "Cancelled" ? 1 : 0,
        "PaymentRefunded" => Refunds,
        _ => 0,
    };
}

/// <summary>The services' own account of a finished sale, and the promises checked against it.</summary>
public sealed record SaleOutcome(SaleSpec Spec, string ProductId, Stock Before, Stock After, IReadOnlyList<SettledOrder> Orders, int BuyersWithSeveralOrders, TimeSpan SettleTime, bool Settled)
{
    /// <summary>5xx answers the buyers and the read-back met and retried (an outage, or a defect worth a look).</summary>
    public int ServerErrorsRetried { get; init; }

    /// <summary>Buyers who got no order, by the answer that stopped them.</summary>
    public IReadOnlyDictionary<string, int> TurnedAway { get; init; } = new Dictionary<string, int>();

    public int Confirmed => Orders.Count(o => o.Outcome == "Confirmed");
    public int Cancelled => Orders.Count(o => o.Outcome == "Cancelled");
    public int GivenBack => Orders.Count(o => o.GivenBack);
    public int Charges => Orders.Sum(o => o.Charges);
    public int Refunds => Orders.Sum(o => o.Refunds);

    /// <summary>Each broken promise with an example; empty when the sale kept them all.</summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        void Check(bool ok, string promise, IEnumerable<SettledOrder> examples, string? detail = null)
        {
            if (!ok)
            {
                violations.Add($"{promise}: {detail}{string.Join("; ", examples.Take(3).Select(o => $"{o.OrderId} {o.Outcome}/{o.Status}/{o.Reason} charges {o.Charges} refunds {o.Refunds} notes [{string.Join(",", o.Notifications.Select(n => $"{n.Key}×{n.Value}"))}]"))}");
            }
        }

        var unsettled = Orders.Where(o => !o.IsFinal).ToList();
        Check(unsettled.Count == 0, "every order Confirmed or Cancelled", unsettled, $"{unsettled.Count} not final, e.g. ");
        Check(After.Total == Before.Total && After.Available >= 0 && After.Reserved >= 0 && After.Sold >= 0, "stock conserved (available + reserved + sold)", [], $"before {Before}, after {After}");
        // Confirmed, whatever its delivery has done since; a confirmed order given back (cancelled before hand-over,
        // returned) was restocked, so its units are not sold.
        var keptUnits = Orders.Where(o => o.Outcome == "Confirmed" && !o.GivenBack).Sum(o => o.Quantity);
        var restockedUnits = Orders.Where(o => o.GivenBack).Sum(o => o.Quantity);
        Check(After.Sold - Before.Sold == keptUnits && keptUnits <= Spec.Units && After.Reserved == Before.Reserved, "sold = confirmed units − restocked units ≤ units on sale, no reservation left", [],
            $"sold {After.Sold - Before.Sold}, confirmed units {keptUnits + restockedUnits} − restocked {restockedUnits}, units {Spec.Units}, reserved {Before.Reserved}→{After.Reserved}");
        var badConfirmed = Orders.Where(o => o.Outcome == "Confirmed" && (o.Charges != 1 || o.Refunds != (o.GivenBack ? 1 : 0))).ToList();
        Check(badConfirmed.Count == 0, "exactly one charge per Confirmed order, refunded only if given back", badConfirmed);
        var badCancelled = Orders.Where(o => o.Outcome == "Cancelled" && (o.Charges > 1 || o.Refunds != o.Charges)).ToList();
        Check(badCancelled.Count == 0, "a Cancelled order keeps no money (one refund per charge)", badCancelled);
        var badNotes = Orders.Where(o => o.IsFinal && !NotifiedOnce(o)).ToList();
        Check(badNotes.Count == 0, "exactly one notification per terminal order (and per refund)", badNotes);
        Check(BuyersWithSeveralOrders == 0, "at most one order per buyer (idempotent retries)", [], $"{BuyersWithSeveralOrders} buyers with several orders");
        var stuck = Orders.Where(o => o.Outcome == "Confirmed" && o.Workflow?.Alive != true).ToList();
        Check(stuck.Count == 0, "no workflow stuck (every confirmed order's delivery completed or waits on a known event before its deadline)", [],
            $"{stuck.Count} of {Confirmed} not, e.g. {string.Join("; ", stuck.Take(3).Select(o => $"{o.OrderId}: {o.Workflow?.State ?? "not read"} ({o.Workflow?.Reason})"))}");
        return violations;
    }

    private static bool NotifiedOnce(SettledOrder o) =>
        ((string[])["OrderConfirmed", "OrderCancelled", "PaymentRefunded"]).All(kind => o.Notifications.GetValueOrDefault(kind) == o.DueNotifications(kind));

    public string Summary() => HttpExtensions.Invariant(
        $"{Spec.Scenario}: {Orders.Count} orders, {Confirmed} confirmed ({GivenBack} given back), {Cancelled} cancelled, {Charges} charges, {Refunds} refunds, stock {Before.Total}→{After.Available}+{After.Reserved}+{After.Sold}, workflows alive {Orders.Count(o => o.Outcome == "Confirmed" && o.Workflow?.Alive == true)}/{Confirmed}, settled in {SettleTime.TotalSeconds:0.0}s, {ServerErrorsRetried} 5xx retried, turned away: {(TurnedAway.Count == 0 ? "none" : string.Join(", ", TurnedAway.Select(t => $"{t.Key}×{t.Value}")))}");
}

/// <summary>
/// A flash sale through the gateway: N buyers each put one unit in their cart and check out at once (retrying
/// outages with the same Idempotency-Key, as the storefront does), optional chaos runs meanwhile, then the system is
/// given time to settle and everything is read back from the services' own APIs.
/// </summary>
public static class FlashSale
{
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(120);

    public static async Task<SaleOutcome> RunAsync(ShopFixture shop, SaleSpec spec, CancellationToken cancellationToken)
    {
        spec = spec with { Buyers = Suite.Buyers(spec.Buyers) };
        var productId = await shop.NextProductAsync(cancellationToken);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        using (var set = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = spec.Units }) }, cancellationToken))
        {
            await set.JsonAsync(cancellationToken);
        }
        var before = await StockAsync(admin, productId, cancellationToken);

        var run = Guid.NewGuid().ToString("N")[..8];
        var buyers = Enumerable.Range(0, spec.Buyers)
            .Select(i => spec.DecliningBuyers > 0 && i % spec.DecliningBuyers == 0 ? $"decline-{run}-{i}" : $"buyer-{run}-{i}")
            .ToList();

        var serverErrors = HttpExtensions.ServerErrors(shop.GatewayUrl);
        // Time to settle is counted from the first checkout to the moment nothing is left in flight.
        var clock = Stopwatch.StartNew();
        var chaos = spec.Chaos?.Invoke(cancellationToken) ?? Task.CompletedTask;
        var turnedAway = (await Task.WhenAll(buyers.Select(b => BuyAsync(shop, b, productId, cancellationToken)))).OfType<string>()
            .GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        await chaos;

        // Settle: every buyer's orders final, no reservation left, payments and notifications caught up.
        var buyingDone = clock.Elapsed;
        // While waiting, a buyer whose orders have all come to rest is not read again: the waits of the slow scenarios
        // (a minute of redeliveries) would otherwise spend most of the machine re-reading finished orders.
        var atRest = new Dictionary<string, List<SettledOrder>>();
        SaleOutcome outcome;
        while (true)
        {
            outcome = await ReadBackAsync(shop, admin, spec, productId, before, buyers, clock.Elapsed, atRest, cancellationToken);
            if (outcome.Settled || clock.Elapsed - buyingDone > SettleLimit)
            {
                // A late duplicate (a second charge, a second notification, a second order) would land now: read
                // everything once more, from scratch.
                await Task.Delay(2000, cancellationToken);
                var settledAt = outcome.SettleTime;
                outcome = await ReadBackAsync(shop, admin, spec, productId, before, buyers, settledAt, atRest: null, cancellationToken);
                break;
            }
            await Task.Delay(1000, cancellationToken);
        }
        outcome = outcome with { ServerErrorsRetried = HttpExtensions.ServerErrors(shop.GatewayUrl) - serverErrors, TurnedAway = turnedAway };
        Results.Record(outcome);
        return outcome;
    }

    /// <summary>Null when the buyer's checkout was accepted, else why the buyer got no order (e.g. <c>cart 503</c>).</summary>
    private static async Task<string?> BuyAsync(ShopFixture shop, string userId, string productId, CancellationToken cancellationToken)
    {
        using var buyer = shop.Client(userId);
        using (var line = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = JsonContent.Create(new { quantity = 1 }) }, cancellationToken))
        {
            if (!line.IsSuccessStatusCode)
            {
                return $"cart {(int)line.StatusCode}"; // no order placed; the sale's promises still hold, the count is reported
            }
        }
        var key = Guid.NewGuid().ToString();
        using var placed = await buyer.SendWithRetriesAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }, cancellationToken);
        if (placed.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
        {
            // Declared unavailability that outlasted a minute of retries: the buyer knows there is no order; reported, not lost.
            return $"checkout {(int)placed.StatusCode}";
        }
        Assert.True(placed.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity,
            $"checkout of {userId}: {(int)placed.StatusCode} {await placed.Content.ReadAsStringAsync(cancellationToken)}");
        return placed.StatusCode == HttpStatusCode.Accepted ? null : $"checkout {(int)placed.StatusCode}";
    }

    private static async Task<Stock> StockAsync(HttpClient admin, string productId, CancellationToken cancellationToken)
    {
        using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{productId}"), cancellationToken, retryServerErrors: true);
        var json = await response.JsonAsync(cancellationToken);
        return new Stock(json.GetProperty("available").GetInt32(), json.GetProperty("reserved").GetInt32(), json.GetProperty("sold").GetInt32());
    }

    /// <param name="atRest">Buyers already read with every order at rest (used instead of reading them again, and
    /// added to); null reads every buyer.</param>
    private static async Task<SaleOutcome> ReadBackAsync(ShopFixture shop, HttpClient admin, SaleSpec spec, string productId, Stock before, IReadOnlyList<string> buyers, TimeSpan elapsed,
        Dictionary<string, List<SettledOrder>>? atRest, CancellationToken cancellationToken)
    {
        var after = await StockAsync(admin, productId, cancellationToken);
        var orders = new List<SettledOrder>();
        var several = 0;
        var settled = after.Reserved == before.Reserved;
        using var throttle = new SemaphoreSlim(8);
        var perBuyer = await Task.WhenAll(buyers.Select(async userId =>
        {
            if (atRest is not null && atRest.TryGetValue(userId, out var known))
            {
                return known;
            }
            await throttle.WaitAsync(cancellationToken);
            try
            {
                return await BuyerOrdersAsync(shop, admin, userId, cancellationToken);
            }
            finally
            {
                throttle.Release();
            }
        }));
        if (atRest is not null)
        {
            foreach (var (userId, list) in buyers.Zip(perBuyer))
            {
                // A buyer without an order yet may still get one (a lost answer to an accepted checkout); read again.
                if (list.Count > 0 && list.All(AtRest))
                {
                    atRest.TryAdd(userId, list);
                }
            }
        }
        foreach (var list in perBuyer)
        {
            several += list.Count > 1 ? 1 : 0;
            orders.AddRange(list);
        }
        var outcome = new SaleOutcome(spec, productId, before, after, orders, several, elapsed, false);
        // Settled = nothing left in flight (not "every promise kept": a broken promise must be reported, not waited out).
        settled &= orders.All(AtRest);
        return outcome with { Settled = settled };
    }

    /// <summary>Nothing of the order is in flight: its saga ended, its workflow is not between two waits, and what it is
    /// owed (notification, refunds) has arrived.</summary>
    private static bool AtRest(SettledOrder o) => o.IsFinal
        && (o.Outcome != "Confirmed" || o.Workflow is { State: not "Busy" })
        && o.Notifications.GetValueOrDefault(o.Outcome == "Confirmed" ? "OrderConfirmed" : "OrderCancelled") >= 1
        && o.Refunds >= (o.OwesNothing ? o.Charges : 0)
        && o.Notifications.GetValueOrDefault("PaymentRefunded") >= o.Refunds;

    private static async Task<List<SettledOrder>> BuyerOrdersAsync(ShopFixture shop, HttpClient admin, string userId, CancellationToken cancellationToken)
    {
        using var buyer = shop.Client(userId);
        using var list = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/orders?pageSize=50"), cancellationToken, retryServerErrors: true);
        var page = await list.JsonAsync(cancellationToken);
        var result = new List<SettledOrder>();
        if (page.GetProperty("items").GetArrayLength() == 0)
        {
            return result;
        }

        using var notes = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/notifications?pageSize=100"), cancellationToken, retryServerErrors: true);
        var notifications = (await notes.JsonAsync(cancellationToken)).GetProperty("items").EnumerateArray()
            .Select(n => (Order: n.GetProperty("orderId").GetGuid(), Kind: n.GetProperty("kind").GetString()!)).ToList();

        foreach (var summary in page.GetProperty("items").EnumerateArray())
        {
            var orderId = summary.GetProperty("orderId").GetGuid();
            using var detail = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}"), cancellationToken, retryServerErrors: true);
            var order = await detail.JsonAsync(cancellationToken);
            using var payment = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/payments/orders/{orderId}"), cancellationToken, retryServerErrors: true);
            int charges = 0, refunds = 0;
            if (payment.StatusCode == HttpStatusCode.OK)
            {
                var record = await payment.JsonAsync(cancellationToken);
                charges = record.GetProperty("charges").GetArrayLength();
                refunds = record.GetProperty("refunds").GetArrayLength();
            }
            var outcome = order.GetProperty("outcome").GetString()!;
            var workflow = outcome == "Confirmed" && order.TryGetProperty("confirmedAt", out var confirmedAt) && confirmedAt.ValueKind == JsonValueKind.String
                ? await WorkflowVerdictAsync(admin, orderId, confirmedAt.GetDateTimeOffset(), cancellationToken)
                : null;
            result.Add(new SettledOrder(orderId, userId, outcome, order.GetProperty("status").GetString()!,
                order.TryGetProperty("cancellationReason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null,
                order.GetProperty("total").GetDecimal(),
                order.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("quantity").GetInt32()),
                charges, refunds,
                notifications.Where(n => n.Order == orderId).GroupBy(n => n.Kind).ToDictionary(g => g.Key, g => g.Count()),
                workflow));
        }
        return result;
    }

    /// <summary>Fulfilment's liveness verdict on a confirmed order's workflows (a missing shipment is measured from its confirmation).</summary>
    public static async Task<WorkflowVerdict> WorkflowVerdictAsync(HttpClient admin, Guid orderId, DateTimeOffset confirmedAt, CancellationToken cancellationToken)
    {
        var query = Uri.EscapeDataString(confirmedAt.ToString("O", CultureInfo.InvariantCulture));
        using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/fulfilment/admin/workflows/{orderId}?confirmedAt={query}"),
            cancellationToken, retryServerErrors: true);
        var report = await response.JsonAsync(cancellationToken);
        return new WorkflowVerdict(report.GetProperty("state").GetString()!, report.GetProperty("reason").GetString()!);
    }
}

/// <summary>Figures of every sale, appended to a file for docs/reliability.md (RELIABILITY_RESULTS, else the temp folder).</summary>
public static class Results
{
    public static string FilePath => Environment.GetEnvironmentVariable("RELIABILITY_RESULTS") is { Length: > 0 } path
        ? path : Path.Combine(Path.GetTempPath(), "flipkart-reliability-results.jsonl");

    private static readonly Lock Gate = new();

    public static void Record(SaleOutcome outcome)
    {
        var line = JsonSerializer.Serialize(new
        {
            at = DateTimeOffset.UtcNow,
            scenario = outcome.Spec.Scenario,
            buyers = outcome.Spec.Buyers,
            units = outcome.Spec.Units,
            orders = outcome.Orders.Count,
            confirmed = outcome.Confirmed,
            cancelled = outcome.Cancelled,
            charges = outcome.Charges,
            refunds = outcome.Refunds,
            workflowsNotAlive = outcome.Orders.Count(o => o.Outcome == "Confirmed" && o.Workflow?.Alive != true),
            settleSeconds = Math.Round(outcome.SettleTime.TotalSeconds, 1),
            serverErrorsRetried = outcome.ServerErrorsRetried,
            turnedAway = outcome.TurnedAway,
            violations = outcome.Violations(),
        });
        lock (Gate)
        {
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }
        TestContext.Current.SendDiagnosticMessage(outcome.Summary());
    }
}
