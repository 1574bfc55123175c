using System.Diagnostics;
using System.Text.Json;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Reads a finished sale back from the services' own APIs: the stock, every buyer's orders (GET /api/orders as the
/// buyer, then each order), payment's record of each order, the buyer's notifications and, for each confirmed order,
/// fulfilment's verdict on its workflows. The system is given time
/// to settle: buyers whose orders still have something in flight (not final, a refund or a notification not yet
/// there) are read again until nothing is or the limit passes; what is still missing then is a finding.
/// </summary>
public static class LedgerReader
{
    /// <summary>
    /// Reads outlast an open circuit breaker (30 s in the resiliency policy) and a restarting service: about a minute
    /// of retries with backoff capped at 2 s, where a buyer gives up after eight.
    /// </summary>
    public const int ReadAttempts = 36;

    public static async Task<FlashSaleLedger> ReadAsync(ShopApi api, string admin, string productId, int units, StockSnapshot before,
        IReadOnlyList<(string UserId, string Token)> buyers, int concurrency, TimeSpan settleLimit, TimeSpan? rereadAllAfter, ConsoleUi ui, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // In-flight saga steps first: reservations return to where they were.
        var after = await api.GetStockAsync(admin, productId, cancellationToken, ReadAttempts).ConfigureAwait(false) ?? new StockSnapshot(0, 0, 0);
        while (after.Reserved != before.Reserved && clock.Elapsed < settleLimit)
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            after = await api.GetStockAsync(admin, productId, cancellationToken, ReadAttempts).ConfigureAwait(false) ?? after;
        }

        var records = new BuyerRecord[buyers.Count];
        var everyone = Enumerable.Range(0, buyers.Count).ToList();
        await ReadBuyersAsync(api, admin, productId, buyers, everyone, records, concurrency, cancellationToken).ConfigureAwait(false);
        var pending = Pending(records, everyone);
        while (pending.Count > 0 && clock.Elapsed < settleLimit)
        {
            ui.Info($"{pending.Count} buyer(s) with something still in flight (order not final, refund or notification missing, workflow between two waits); reading them again ...");
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            await ReadBuyersAsync(api, admin, productId, buyers, pending, records, concurrency, cancellationToken).ConfigureAwait(false);
            pending = Pending(records, pending);
        }
        if (rereadAllAfter is { } delay)
        {
            // After a fault a late duplicate (a second charge, a second notification, an order from a request the
            // client gave up on) or a late payment would land now: read everything once more.
            ui.Info($"reading everything again in {delay.TotalSeconds:0}s (late charges, refunds or duplicates after the fault) ...");
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            await ReadBuyersAsync(api, admin, productId, buyers, everyone, records, concurrency, cancellationToken).ConfigureAwait(false);
        }

        after = await api.GetStockAsync(admin, productId, cancellationToken, ReadAttempts).ConfigureAwait(false) ?? after;
        return new FlashSaleLedger(productId, units, before, after, records, NotificationsRead: true, WorkflowsRead: true);
    }

    private static List<int> Pending(BuyerRecord[] records, IEnumerable<int> among) =>
        among.Where(i => records[i].Orders.Any(o => !o.IsQuiet(notificationsRead: true))).ToList();

    private static Task ReadBuyersAsync(ShopApi api, string admin, string productId, IReadOnlyList<(string UserId, string Token)> buyers, IReadOnlyList<int> which,
        BuyerRecord[] records, int concurrency, CancellationToken cancellationToken) =>
        LoadRunner.RunClosedLoopAsync(Math.Max(1, Math.Min(concurrency, which.Count)), null, which.Count, 0, async (n, random, ct) =>
        {
            var index = which[n];
            records[index] = await ReadBuyerAsync(api, admin, productId, buyers[index].UserId, buyers[index].Token, random, ct).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<BuyerRecord> ReadBuyerAsync(ShopApi api, string admin, string productId, string userId, string token, Random random, CancellationToken ct)
    {
        var list = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", "/api/orders?pageSize=50", ct, token), random, ct, maxAttempts: ReadAttempts).ConfigureAwait(false);
        if (!list.IsSuccess)
        {
            throw new ScenarioException($"GET /api/orders as {userId}: {ShopApi.Describe(list)}");
        }
        var items = list.Json().GetProperty("items").EnumerateArray().ToList();
        if (items.Count == 0)
        {
            return new BuyerRecord(userId, []);
        }

        var notes = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", "/api/notifications?pageSize=100", ct, token), random, ct, maxAttempts: ReadAttempts).ConfigureAwait(false);
        if (!notes.IsSuccess)
        {
            throw new ScenarioException($"GET /api/notifications as {userId}: {ShopApi.Describe(notes)}");
        }
        var notifications = notes.Json().GetProperty("items").EnumerateArray()
            .Select(n => (Order: n.GetProperty("orderId").GetGuid(), Kind: n.GetProperty("kind").GetString() ?? "?"))
            .ToList();

        var orders = new List<OrderRecord>();
        foreach (var item in items)
        {
            var orderId = item.GetProperty("orderId").GetGuid();
            // Status and reason from the order itself, read now (the buyer's last poll may be older).
            var detail = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", $"/api/orders/{orderId}", ct, token), random, ct, maxAttempts: ReadAttempts).ConfigureAwait(false);
            var json = detail.IsSuccess ? detail.Json() : item;
            var status = json.GetProperty("status").GetString()!;
            var outcome = OrderOutcomes.Of(json);
            var reason = json.TryGetProperty("cancellationReason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var quantity = json.TryGetProperty("lines", out var lines)
                ? lines.EnumerateArray().Where(l => l.GetProperty("productId").GetString() == productId).Sum(l => l.GetProperty("quantity").GetInt32())
                : item.GetProperty("itemCount").GetInt32();

            var payment = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", $"/api/payments/orders/{orderId}", ct, admin), random, ct, maxAttempts: ReadAttempts).ConfigureAwait(false);
            PaymentRecord? record = null;
            if (payment.IsSuccess)
            {
                var p = payment.Json();
                record = new PaymentRecord(
                    p.GetProperty("status").GetString()!,
                    [.. p.GetProperty("charges").EnumerateArray().Select(c => c.GetProperty("amount").GetDecimal())],
                    [.. p.GetProperty("refunds").EnumerateArray().Select(c => c.GetProperty("amount").GetDecimal())]);
            }
            else if (payment.Status != 404)
            {
                throw new ScenarioException($"GET /api/payments/orders/{orderId}: {ShopApi.Describe(payment)}");
            }
            var ofOrder = notifications.Where(n => n.Order == orderId).GroupBy(n => n.Kind, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var workflow = outcome == OrderOutcomes.Confirmed ? await ReadWorkflowAsync(api, admin, orderId, json, random, ct).ConfigureAwait(false) : null;
            orders.Add(new OrderRecord(orderId, outcome, reason, json.GetProperty("total").GetDecimal(), quantity, record, ofOrder, status, workflow));
        }
        return new BuyerRecord(userId, orders);
    }

    /// <summary>
    /// Fulfilment's verdict on a confirmed order's workflows; ordering's <c>confirmedAt</c> goes along, so an order
    /// fulfilment never heard of is judged by how long ago it was confirmed.
    /// </summary>
    private static async Task<WorkflowVerdict> ReadWorkflowAsync(ShopApi api, string admin, Guid orderId, JsonElement order, Random random, CancellationToken ct)
    {
        var confirmedAt = order.TryGetProperty("confirmedAt", out var at) && at.ValueKind == JsonValueKind.String
            ? "?confirmedAt=" + Uri.EscapeDataString(at.GetString()!) : "";
        var reply = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", $"/api/fulfilment/admin/workflows/{orderId}{confirmedAt}", ct, admin), random, ct, maxAttempts: ReadAttempts).ConfigureAwait(false);
        return reply.IsSuccess ? WorkflowVerdict.FromJson(reply.Json())
            : throw new ScenarioException($"GET /api/fulfilment/admin/workflows/{orderId}: {ShopApi.Describe(reply)}");
    }
}
