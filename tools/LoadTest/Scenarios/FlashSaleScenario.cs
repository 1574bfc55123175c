using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// One hot SKU with K units and N buyers who each want one. Buyers sign in and put the SKU in their cart before the
/// sale opens (a waiting room); the admin then sets the stock to K and every buyer checks out at once, with an
/// Idempotency-Key reused on every retry, and follows its order until it settles. Afterwards the invariants are
/// checked against what the services themselves report.
/// </summary>
public static class FlashSaleScenario
{
    /// <summary>Complete checkouts before the sale (on another product) so it meets warm services; --warmup 0 skips them.</summary>
    public const int WarmupCheckouts = 12;

    private sealed record Buyer(int Index, string UserId, string Token);

    private sealed record BuyerOutcome(Buyer Buyer, TimeSpan FirstAttemptAt, OrderObservation? Order, string? Failure);

    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var system = context.RequireSystem();
        var options = context.Options;
        var concurrency = options.EffectiveConcurrency;
        using var client = new LoadClient(system.GatewayUrl, concurrency + 16);
        var api = new ShopApi(client);
        var ui = context.Ui;

        var admin = await api.LoginAsync(null, $"lt{context.RunTag}-admin", "admin", Random.Shared, cancellationToken).ConfigureAwait(false);
        var (productId, price, spare) = await ChooseProductAsync(api, options.Sku, options.Seed, cancellationToken).ConfigureAwait(false);
        if (options.Warmup > TimeSpan.Zero)
        {
            ui.Info($"warming the services up with {WarmupCheckouts} checkouts of {spare} ...");
            await Warmup.CheckoutsAsync(api, admin, spare, context.RunTag, WarmupCheckouts, 4, options.SettleTimeout, cancellationToken).ConfigureAwait(false);
        }
        ui.Info($"flash sale: {options.Buyers} buyers for {options.Units} units of {productId} (₹{price.ToString(CultureInfo.InvariantCulture)}), {concurrency} buyers in flight");

        // The waiting room: sign-in and cart are not part of the sale's figures.
        var buyers = new ConcurrentBag<Buyer>();
        var prepare = new LoadStats("flash-sale: buyers sign in and fill carts");
        await ui.TrackAsync(prepare.Name, prepare, null, async () =>
        {
            await LoadRunner.RunClosedLoopAsync(concurrency, null, options.Buyers, options.Seed, async (index, random, ct) =>
            {
                var userId = $"lt{context.RunTag}-buyer{index:00000}";
                var token = await api.LoginAsync(prepare, userId, "customer", random, ct).ConfigureAwait(false);
                var cart = await api.WithRetriesAsync(
                    () => client.SendJsonAsync(prepare, "cart-add", HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity = 1 }, ct, token),
                    random, ct).ConfigureAwait(false);
                if (!cart.IsSuccess)
                {
                    throw new ScenarioException($"{userId} could not put {productId} in the cart: {ShopApi.Describe(cart)}");
                }
                buyers.Add(new Buyer(index, userId, token));
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }, () => $"{buyers.Count}/{options.Buyers} ready").ConfigureAwait(false);
        context.Result.Phases.Add(PhaseResult.From(prepare, system.GatewayUrl.ToString(), prepare.Elapsed, concurrency, null));

        // The sale opens.
        var before = await api.SetStockAsync(admin, productId, options.Units, cancellationToken).ConfigureAwait(false);
        var sale = new LoadStats("flash-sale");
        var outcomes = new ConcurrentBag<BuyerOutcome>();
        var queue = buyers.OrderBy(b => b.Index).ToArray();
        await ui.TrackAsync("flash-sale", sale, null, async () =>
        {
            await LoadRunner.RunClosedLoopAsync(concurrency, null, queue.Length, options.Seed, async (index, random, ct) =>
            {
                var buyer = queue[index];
                var firstAttempt = sale.Elapsed;
                var (orderId, total, reply) = await Orders.PlaceAsync(api, sale, buyer.Token, random, ct).ConfigureAwait(false);
                sale.RecordDuration("place-order incl. retries", sale.Elapsed - firstAttempt);
                if (orderId is not { } id)
                {
                    sale.Count("gave-up");
                    outcomes.Add(new BuyerOutcome(buyer, firstAttempt, null, ShopApi.Describe(reply)));
                    return;
                }
                var order = await Orders.FollowAsync(api, sale, buyer.Token, id, total, () => sale.Elapsed, options.SettleTimeout, ct).ConfigureAwait(false);
                if (order.DecidedAt is { } decided)
                {
                    sale.RecordDuration("buy decision (polled)", decided - firstAttempt);
                    sale.Count(order.Status == "Cancelled" && order.CancellationReason == "OutOfStock" ? "rejected" : "won");
                }
                if (order.SettledAt is { } settled)
                {
                    sale.RecordDuration("settled (polled)", settled - firstAttempt);
                    sale.Count(order.Status == "Confirmed" ? "confirmed" : "cancelled");
                }
                outcomes.Add(new BuyerOutcome(buyer, firstAttempt, order, null));
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }, () => $"won {sale.Counter("won")}/{options.Units}, confirmed {sale.Counter("confirmed")}, sold-out rejections {sale.Counter("rejected")}").ConfigureAwait(false);
        var saleSeconds = sale.Elapsed;
        context.Result.Phases.Add(PhaseResult.From(sale, system.GatewayUrl.ToString(), saleSeconds, concurrency, null, ["won", "rejected", "confirmed", "cancelled", "gave-up"]));

        // Verification: only the services' own records count.
        ui.Info("flash sale over; reading inventory, every buyer's orders and every payment back from the services ...");
        var ledger = await ReadLedgerAsync(api, admin, productId, options.Units, before, queue, concurrency, cancellationToken).ConfigureAwait(false);
        context.Result.Invariants.AddRange(InvariantChecker.Check(ledger));

        var list = outcomes.ToList();
        var decidedWins = list.Where(o => o.Order is { DecidedAt: not null } x && !(x.Status == "Cancelled" && x.CancellationReason == "OutOfStock"))
            .Select(o => o.Order!.DecidedAt!.Value).Order().ToList();
        TimeSpan? sellOut = decidedWins.Count >= options.Units ? decidedWins[options.Units - 1] : null;
        var rejections = list.Where(o => o.Order is { Status: "Cancelled", CancellationReason: "OutOfStock", DecidedAt: not null }).Select(o => o.Order!.DecidedAt!.Value).ToList();
        var lastConfirmation = list.Where(o => o.Order is { Status: "Confirmed", SettledAt: not null }).Select(o => o.Order!.SettledAt!.Value).DefaultIfEmpty().Max();
        var confirmed = list.Count(o => o.Order?.Status == "Confirmed");

        double? PerSecond(IReadOnlyCollection<TimeSpan> times, TimeSpan from)
        {
            var after = times.Where(t => t >= from).ToList();
            if (after.Count < 2)
            {
                return null;
            }
            var span = (after.Max() - from).TotalSeconds;
            return span > 0 ? Math.Round(after.Count / span, 1) : null;
        }

        context.Result.FlashSale = new FlashSaleResult(
            productId, price, options.Buyers, options.Units, concurrency,
            BuyersWithOrder: list.Count(o => o.Order is not null),
            Confirmed: confirmed,
            RejectedOutOfStock: list.Count(o => o.Order is { Status: "Cancelled", CancellationReason: "OutOfStock" }),
            OtherCancelled: list.Count(o => o.Order is { Status: "Cancelled" } x && x.CancellationReason != "OutOfStock"),
            Unsettled: list.Count(o => o.Order is { SettledAt: null }),
            GaveUp: list.Count(o => o.Order is null),
            SaleSeconds: Math.Round(saleSeconds.TotalSeconds, 3),
            TimeToSellOutSeconds: sellOut is { } s ? Math.Round(s.TotalSeconds, 3) : null,
            TimeToLastConfirmationSeconds: confirmed > 0 ? Math.Round(lastConfirmation.TotalSeconds, 3) : null,
            ConfirmedOrdersPerSecond: confirmed > 0 && lastConfirmation > TimeSpan.Zero ? Math.Round(confirmed / lastConfirmation.TotalSeconds, 1) : null,
            PostSellOutRejectionsPerSecond: sellOut is { } so ? PerSecond(rejections, so) : null,
            PostSellOutOrderAttemptsPerSecond: sellOut is { } so2 ? PerSecond(list.Select(o => o.FirstAttemptAt).ToList(), so2) : null,
            PlaceOrder: sale.Latency("place-order"),
            BuyDecision: sale.Latency("buy decision (polled)"),
            Settled: sale.Latency("settled (polled)"),
            api.Retries429, api.Retries409, api.RetriesOther,
            before, ledger.After);

        foreach (var failure in list.Where(o => o.Failure is not null).Take(3))
        {
            context.Result.Notes.Add($"{failure.Buyer.UserId} gave up placing its order: {failure.Failure}");
        }
    }

    /// <summary>The sale's product: the one asked for, else one chosen by seed among catalog products with a whole-rupee price
    /// (payment's simulator declines amounts ending in .13 paise, which would make every order of the SKU fail).</summary>
    private static async Task<(string ProductId, decimal Price, string Spare)> ChooseProductAsync(ShopApi api, string? sku, int seed, CancellationToken cancellationToken)
    {
        var (_, products) = await api.DiscoverCatalogAsync(200, cancellationToken).ConfigureAwait(false);
        var candidates = products.Where(p => p.Price == decimal.Truncate(p.Price)).ToList();
        if (candidates.Count < 2)
        {
            candidates = [.. products];
        }
        var random = new Random(seed);
        var chosen = candidates[random.Next(candidates.Count)];
        var spare = candidates.First(p => p.Id != chosen.Id && p.Id != sku).Id;
        if (sku is null)
        {
            return (chosen.Id, chosen.Price, spare);
        }
        var reply = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "discover", $"/api/catalog/products/{Uri.EscapeDataString(sku)}", cancellationToken), Random.Shared, cancellationToken).ConfigureAwait(false);
        return reply.IsSuccess ? (sku, reply.Json().GetProperty("price").GetDecimal(), spare) : throw new ScenarioException($"--sku {sku}: {ShopApi.Describe(reply)}");
    }

    private static async Task<FlashSaleLedger> ReadLedgerAsync(ShopApi api, string admin, string productId, int units, StockSnapshot before,
        IReadOnlyList<Buyer> buyers, int concurrency, CancellationToken cancellationToken)
    {
        // Let in-flight saga steps finish: reservations return to where they were and every order the buyers saw settles.
        var quiet = Stopwatch.StartNew();
        var after = await api.GetStockAsync(admin, productId, cancellationToken).ConfigureAwait(false) ?? new StockSnapshot(0, 0, 0);
        while (after.Reserved != before.Reserved && quiet.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            after = await api.GetStockAsync(admin, productId, cancellationToken).ConfigureAwait(false) ?? after;
        }

        var records = new ConcurrentDictionary<string, BuyerRecord>(StringComparer.Ordinal);
        await LoadRunner.RunClosedLoopAsync(Math.Min(concurrency, 64), null, buyers.Count, 0, async (index, random, ct) =>
        {
            var buyer = buyers[index];
            var list = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", "/api/orders?pageSize=50", ct, buyer.Token), random, ct).ConfigureAwait(false);
            if (!list.IsSuccess)
            {
                throw new ScenarioException($"GET /api/orders as {buyer.UserId}: {ShopApi.Describe(list)}");
            }
            var orders = new List<OrderRecord>();
            foreach (var item in list.Json().GetProperty("items").EnumerateArray())
            {
                var orderId = item.GetProperty("orderId").GetGuid();
                // Status and reason from the order itself, read now (the buyer's last poll may be older).
                var detail = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", $"/api/orders/{orderId}", ct, buyer.Token), random, ct).ConfigureAwait(false);
                var json = detail.IsSuccess ? detail.Json() : item;
                var status = json.GetProperty("status").GetString()!;
                var reason = json.TryGetProperty("cancellationReason", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? r.GetString() : null;
                var quantity = json.TryGetProperty("lines", out var lines)
                    ? lines.EnumerateArray().Where(l => l.GetProperty("productId").GetString() == productId).Sum(l => l.GetProperty("quantity").GetInt32())
                    : item.GetProperty("itemCount").GetInt32();

                var payment = await api.WithRetriesAsync(() => api.Client.GetAsync(null, "verify", $"/api/payments/orders/{orderId}", ct, admin), random, ct).ConfigureAwait(false);
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
                orders.Add(new OrderRecord(orderId, status, reason, json.GetProperty("total").GetDecimal(), quantity, record));
            }
            records[buyer.UserId] = new BuyerRecord(buyer.UserId, orders);
        }, cancellationToken).ConfigureAwait(false);

        after = await api.GetStockAsync(admin, productId, cancellationToken).ConfigureAwait(false) ?? after;
        return new FlashSaleLedger(productId, units, before, after, [.. buyers.Select(b => records[b.UserId])]);
    }
}
