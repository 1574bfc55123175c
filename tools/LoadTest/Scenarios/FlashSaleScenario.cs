using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// One hot SKU with K units and N buyers who each want one. Buyers sign in and put the SKU in their cart before the
/// sale opens (a waiting room); the admin then sets the stock to K and every buyer checks out at once, with an
/// Idempotency-Key reused on every retry, and follows its order until it settles. Afterwards the invariants are
/// checked against what the services themselves report.
/// </summary>
public static class FlashSaleScenario
{
    /// <summary>Complete checkouts before a checkout run (on another product) so it meets warm services; --warmup 0 skips them.</summary>
    public const int WarmupCheckouts = 8;

    /// <summary>
    /// Before the sale, <c>--rehearsals</c> rehearsal sales on another product, each this many buyers for
    /// <see cref="RehearsalUnits"/> units: every path of the sale (win, sold-out answer, the saga, notifications,
    /// delivery) then ran often enough for .NET's tiered JIT to recompile it, as in a shop that has been open all day.
    /// Each round's CPU per unit sold is reported, so a reader sees whether the rounds flattened out.
    /// </summary>
    public const int RehearsalBuyers = 200;
    public const int RehearsalUnits = 60;

    private sealed record Buyer(int Index, string UserId, string Token);

    /// <param name="RejectedAt">When a 409 answer (sold out, purchase limit) turned the buyer away without an order.</param>
    private sealed record BuyerOutcome(Buyer Buyer, TimeSpan FirstAttemptAt, OrderObservation? Order, TimeSpan? RejectedAt, string? Rejection, string? Failure);

    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var system = context.RequireSystem();
        var options = context.Options;
        var concurrency = options.EffectiveConcurrency;
        var buyNow = !options.ViaCart;
        using var client = new LoadClient(system.GatewayUrl, concurrency + 16);
        var api = new ShopApi(client);
        var ui = context.Ui;
        var stages = context.Result.Stages;
        var stage = Stopwatch.StartNew();

        var admin = ShopApi.AdminToken(system, $"lt{context.RunTag}-admin");
        var (productId, price, spare) = await ChooseProductAsync(api, options.Sku, options.Seed, cancellationToken).ConfigureAwait(false);
        if (options.Warmup > TimeSpan.Zero)
        {
            var rounds = new List<double>();
            var (rehearsalBuyers, rehearsalUnits) = (Math.Min(RehearsalBuyers, options.Buyers), Math.Min(RehearsalUnits, Math.Max(1, options.Units)));
            for (var round = 1; round <= options.Rehearsals; round++)
            {
                ui.Info($"warming the services up: rehearsal {round} of {options.Rehearsals}, {rehearsalBuyers} buyers for {rehearsalUnits} units of {spare} ({(buyNow ? "buy-now" : "cart checkouts")}) ...");
                var meter = CpuMeter.Start(system.Processes);
                await Warmup.CheckoutsAsync(api, admin, spare, $"{context.RunTag}r{round}", rehearsalBuyers, Math.Min(concurrency, 100), options.SettleTimeout, cancellationToken, buyNow, rehearsalUnits, options.Follow).ConfigureAwait(false);
                rounds.Add(meter.Stop("rehearsal").Per(rehearsalUnits, "unit sold").TotalMsPerUnit ?? 0);
            }
            var quiet = await Warmup.UntilQuietAsync(system.Processes, 0.15, TimeSpan.FromSeconds(45), cancellationToken).ConfigureAwait(false);
            var curve = string.Join(" → ", rounds.Select(r => r.ToString("0", CultureInfo.InvariantCulture)));
            ui.Info($"rehearsals: CPU-ms per unit sold {curve}; services quiet {quiet.TotalSeconds:0.#}s after the last");
            context.Result.Notes.Add($"warm-up: {rounds.Count} rehearsal sale(s) of {rehearsalBuyers} buyers for {rehearsalUnits} units of another product, CPU-ms per unit sold {curve} " +
                $"(falling while the JIT recompiles the hot paths), then {quiet.TotalSeconds:0.#}s until the processes were quiet; --warmup 0 measures a cold sale");
        }
        else
        {
            context.Result.Notes.Add("no warm-up (--warmup 0): the sale met cold services, and the JIT's recompilation of hot paths is part of its CPU");
        }
        stages["warm-up"] = Lap(stage);
        ui.Info($"flash sale: {options.Buyers} buyers for {options.Units} units of {productId} (₹{price.ToString(CultureInfo.InvariantCulture)}), {concurrency} buyers in flight, " +
            (buyNow ? "POST /api/orders/buy-now" : "cart → POST /api/orders") + (options.Chaos is { } c ? $", chaos {c.Text}" : ""));

        // The waiting room: sign-in (and the cart, for --via-cart) are not part of the sale's figures.
        var buyers = new ConcurrentBag<Buyer>();
        // A buy-now buyer needs nothing but a token; on the local run the tool signs them itself (reported below).
        var minter = buyNow ? TokenMinter.ForLocalRun(system) : null;
        if (minter is not null)
        {
            context.Result.Notes.Add("buyers' tokens were signed by the tool with the profile's dev signing key, as POST /api/auth/dev-token signs them (no sign-in round trips in the waiting room)");
            foreach (var index in Enumerable.Range(0, options.Buyers))
            {
                var userId = $"lt{context.RunTag}-buyer{index:00000}";
                buyers.Add(new Buyer(index, userId, minter.Mint(userId, "customer", TimeSpan.FromHours(2))));
            }
        }
        if (minter is null)
        {
            var prepare = new LoadStats(buyNow ? "flash-sale: buyers sign in" : "flash-sale: buyers sign in and fill carts");
            await ui.TrackAsync(prepare.Name, prepare, null, async () =>
            {
                await LoadRunner.RunClosedLoopAsync(concurrency, null, options.Buyers, options.Seed, async (index, random, ct) =>
                {
                    var userId = $"lt{context.RunTag}-buyer{index:00000}";
                    var token = await api.LoginAsync(prepare, userId, "customer", random, ct).ConfigureAwait(false);
                    if (!buyNow)
                    {
                        var cart = await api.WithRetriesAsync(
                            () => client.SendJsonAsync(prepare, "cart-add", HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity = 1 }, ct, token),
                            random, ct).ConfigureAwait(false);
                        if (!cart.IsSuccess)
                        {
                            throw new ScenarioException($"{userId} could not put {productId} in the cart: {ShopApi.Describe(cart)}");
                        }
                    }
                    buyers.Add(new Buyer(index, userId, token));
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }, () => $"{buyers.Count}/{options.Buyers} ready").ConfigureAwait(false);
            context.Result.Phases.Add(PhaseResult.From(prepare, system.GatewayUrl.ToString(), prepare.Elapsed, concurrency, null));
        }
        stages["waiting room"] = Lap(stage);

        // The sale opens (with the chaos scenario's fault, if any).
        var before = await api.SetStockAsync(admin, productId, options.Units, cancellationToken).ConfigureAwait(false);
        var sale = new LoadStats("flash-sale");
        var chaos = options.Chaos is { } spec ? new ChaosRunner(spec, options.ChaosRestartAfter, system, ui, () => sale.Elapsed) : null;
        if (chaos is not null)
        {
            await chaos.BeforeSaleAsync(cancellationToken).ConfigureAwait(false);
        }
        var chaosTask = chaos?.DuringSaleAsync(cancellationToken) ?? Task.CompletedTask;
        var outcomes = new ConcurrentBag<BuyerOutcome>();
        var queue = buyers.OrderBy(b => b.Index).ToArray();
        var placeOperation = buyNow ? "buy-now" : "place-order";
        var saleCpu = CpuMeter.Start(system.Processes);
        CpuCost saleCost;
        try
        {
            await ui.TrackAsync("flash-sale", sale, null, async () =>
            {
                await LoadRunner.RunClosedLoopAsync(concurrency, null, queue.Length, options.Seed, async (index, random, ct) =>
                {
                    var buyer = queue[index];
                    var firstAttempt = sale.Elapsed;
                    var (orderId, total, reply) = buyNow
                        ? await Orders.BuyNowAsync(api, sale, buyer.Token, productId, random, ct).ConfigureAwait(false)
                        : await Orders.PlaceAsync(api, sale, buyer.Token, random, ct).ConfigureAwait(false);
                    sale.RecordDuration($"{placeOperation} incl. retries", sale.Elapsed - firstAttempt);
                    if (orderId is not { } id)
                    {
                        if (ShopApi.FinalConflict(reply) is { } refusal)
                        {
                            // The 409 is the buy decision: no order, no polling.
                            var at = sale.Elapsed;
                            sale.RecordDuration("buy decision", at - firstAttempt);
                            sale.RecordDuration("buy decision (409 answer)", at - firstAttempt);
                            sale.Count("rejected");
                            sale.Count(refusal == ShopApi.SoldOut ? "sold-out answers" : "purchase-limit answers");
                            outcomes.Add(new BuyerOutcome(buyer, firstAttempt, null, at, refusal, null));
                            return;
                        }
                        sale.Count("gave-up");
                        outcomes.Add(new BuyerOutcome(buyer, firstAttempt, null, null, null, ShopApi.Describe(reply)));
                        return;
                    }
                    var order = await Orders.FollowAsync(api, sale, buyer.Token, id, total, () => sale.Elapsed, options.SettleTimeout, ct, options.Follow, Orders.AcceptedStatus(reply)).ConfigureAwait(false);
                    if (order.DecidedAt is { } decided)
                    {
                        sale.RecordDuration("buy decision", decided - firstAttempt);
                        sale.RecordDuration("buy decision (polled)", decided - firstAttempt);
                        sale.Count(order.SoldOut ? "rejected" : "won");
                    }
                    if (order.SettledAt is { } settled)
                    {
                        sale.RecordDuration("settled (polled)", settled - firstAttempt);
                        sale.Count(order.Won ? "confirmed" : "cancelled");
                    }
                    outcomes.Add(new BuyerOutcome(buyer, firstAttempt, order, null, null, null));
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }, () => $"won {sale.Counter("won")}/{options.Units}, confirmed {sale.Counter("confirmed")}, rejections {sale.Counter("rejected")}").ConfigureAwait(false);
            saleCost = saleCpu.Stop("sale");
            await chaosTask.ConfigureAwait(false);
        }
        finally
        {
            if (chaos is not null)
            {
                await chaos.AfterSaleAsync(CancellationToken.None).ConfigureAwait(false);
                context.Result.Chaos = chaos.Result();
            }
        }
        var saleSeconds = sale.Elapsed;
        context.Result.Phases.Add(PhaseResult.From(sale, system.GatewayUrl.ToString(), saleSeconds, concurrency, null,
            ["won", "rejected", "sold-out answers", "purchase-limit answers", "confirmed", "cancelled", "gave-up", Orders.StreamFallbacks]));
        stages["sale"] = Lap(stage);

        // Verification: only the services' own records count.
        ui.Info("flash sale over; reading inventory, every buyer's orders, payments and notifications back from the services ...");
        var settleLimit = chaos is null ? options.SettleTimeout : options.SettleTimeout + TimeSpan.FromSeconds(60);
        var ledger = await LedgerReader.ReadAsync(api, admin, productId, options.Units, before, [.. queue.Select(b => (b.UserId, b.Token))],
            Math.Min(concurrency, 64), settleLimit, options.Chaos?.RereadAfter, ui, cancellationToken).ConfigureAwait(false);
        context.Result.Invariants.AddRange(InvariantChecker.Check(ledger, new CheckRules(options.Chaos?.PaymentFaults == true)));
        stages["verification"] = Lap(stage);

        SoldOutPhaseResult? soldOutPhase = null;
        if (buyNow && options.SoldOutDuration > TimeSpan.Zero && ledger.After.Available == 0)
        {
            // Buyers who won already hold a unit (a purchase limit could answer them first): the losers knock again.
            var winners = outcomes.Where(o => o.Order is not null).Select(o => o.Buyer.Index).ToHashSet();
            var knocking = queue.Where(b => !winners.Contains(b.Index)).ToArray();
            soldOutPhase = await SoldOutPhaseAsync(context, system, client, productId, knocking.Length > 0 ? knocking : queue, cancellationToken).ConfigureAwait(false);
            stages["sold-out phase"] = Lap(stage);
        }

        var list = outcomes.ToList();
        var decidedWins = list.Where(o => o.Order is { DecidedAt: not null, SoldOut: false })
            .Select(o => o.Order!.DecidedAt!.Value).Order().ToList();
        TimeSpan? sellOut = decidedWins.Count >= options.Units ? decidedWins[options.Units - 1] : null;
        var rejections = list.Where(o => o.Order is { SoldOut: true, DecidedAt: not null }).Select(o => o.Order!.DecidedAt!.Value)
            .Concat(list.Where(o => o.RejectedAt is not null).Select(o => o.RejectedAt!.Value)).ToList();
        var lastConfirmation = list.Where(o => o.Order is { Won: true, SettledAt: not null }).Select(o => o.Order!.SettledAt!.Value).DefaultIfEmpty().Max();
        // Buyers' own observations time the sale; the counts come from the services' records (a buyer whose polls
        // timed out under load still has its order counted as what it is).
        var confirmed = list.Count(o => o.Order?.Won == true);
        var recorded = ledger.Buyers.SelectMany(b => b.Orders).ToList();
        var recordedConfirmed = recorded.Count(o => o.Outcome == OrderOutcomes.Confirmed);

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
            Confirmed: recordedConfirmed,
            RejectedOutOfStock: recorded.Count(o => o is { Outcome: OrderOutcomes.Cancelled, CancellationReason: "OutOfStock" }),
            OtherCancelled: recorded.Count(o => o.Outcome == OrderOutcomes.Cancelled && o.CancellationReason != "OutOfStock"),
            Unsettled: list.Count(o => o.Order is { SettledAt: null }),
            GaveUp: list.Count(o => o.Order is null && o.Rejection is null),
            SaleSeconds: Math.Round(saleSeconds.TotalSeconds, 3),
            TimeToSellOutSeconds: sellOut is { } s ? Math.Round(s.TotalSeconds, 3) : null,
            TimeToLastConfirmationSeconds: confirmed > 0 ? Math.Round(lastConfirmation.TotalSeconds, 3) : null,
            ConfirmedOrdersPerSecond: confirmed > 0 && lastConfirmation > TimeSpan.Zero ? Math.Round(confirmed / lastConfirmation.TotalSeconds, 1) : null,
            PostSellOutRejectionsPerSecond: sellOut is { } so ? PerSecond(rejections, so) : null,
            PostSellOutOrderAttemptsPerSecond: sellOut is { } so2 ? PerSecond(list.Select(o => o.FirstAttemptAt).ToList(), so2) : null,
            PlaceOrder: sale.Latency(placeOperation),
            BuyDecision: sale.Latency("buy decision"),
            Settled: sale.Latency("settled (polled)"),
            api.Retries429, api.Retries409, api.RetriesOther,
            before, ledger.After)
        {
            Checkout = buyNow ? "buy-now" : "cart",
            Follow = options.Follow == OrderFollow.Stream ? "stream" : "poll",
            SoldOutAnswers = list.Count(o => o.Rejection == ShopApi.SoldOut),
            PurchaseLimitAnswers = list.Count(o => o.Rejection == ShopApi.PurchaseLimit),
            BuyDecisionByAnswer = sale.Latency("buy decision (409 answer)"),
            BuyDecisionPolled = sale.Latency("buy decision (polled)"),
            SaleCpu = saleCost.Per(recordedConfirmed, "confirmed order"),
            SoldOutPhase = soldOutPhase,
        };

        foreach (var failure in list.Where(o => o.Failure is not null).Take(3))
        {
            context.Result.Notes.Add($"{failure.Buyer.UserId} gave up placing its order: {failure.Failure}");
        }
    }

    /// <summary>
    /// Buy-now attempts on the sold-out SKU at a fixed rate, started whatever the answers' latency (open loop), so the
    /// cost of a refusal is measured at a rate rather than bounded by how fast the closed loop's buyers come back.
    /// Latency counts from each attempt's scheduled start.
    /// </summary>
    private static async Task<SoldOutPhaseResult> SoldOutPhaseAsync(RunContext context, SystemUnderTest system, LoadClient client, string productId,
        IReadOnlyList<Buyer> buyers, CancellationToken cancellationToken)
    {
        var options = context.Options;
        // The sale's tail (confirmations, notifications, deliveries starting) and the read-back would otherwise share
        // the phase's first seconds: this phase measures sold-out answers, as the sale is measured after the rehearsals.
        var quiet = await Warmup.UntilQuietAsync(system.Processes, 0.15, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        context.Result.Notes.Add($"sold-out phase: started once the processes were quiet, {quiet.TotalSeconds:0.#}s after the read-back");
        var stats = new LoadStats("sold-out (open loop)");
        var others = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        long soldOut = 0, next = -1;
        context.Ui.Info($"sold out: buy-now attempts at {options.SoldOutRate:0.#}/s for {options.SoldOutDuration.TotalSeconds:0.#}s, open loop ...");
        var meter = CpuMeter.Start(system.Processes);
        await context.Ui.TrackAsync(stats.Name, stats, options.SoldOutDuration, async () =>
        {
            await LoadRunner.RunFixedRateAsync(options.SoldOutRate, options.SoldOutDuration, Math.Max(64, (int)options.SoldOutRate), options.Seed, async (_, scheduledAt, ct) =>
            {
                var buyer = buyers[(int)(Interlocked.Increment(ref next) % buyers.Count)];
                var headers = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") };
                var reply = await client.SendJsonAsync(stats, "sold-out buy-now", HttpMethod.Post, "/api/orders/buy-now", new { productId, quantity = 1 }, ct,
                    buyer.Token, headers, acceptable: status => status == 409, scheduledAt: scheduledAt).ConfigureAwait(false);
                if (ShopApi.FinalConflict(reply) == ShopApi.SoldOut)
                {
                    Interlocked.Increment(ref soldOut);
                }
                else
                {
                    others.AddOrUpdate(reply.Status == 0 ? "no answer" : reply.Status.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                }
            }, () => stats.Count("dropped"), cancellationToken).ConfigureAwait(false);
            return true;
        }, () => $"{Interlocked.Read(ref soldOut)} sold-out answers, {others.Values.Sum()} others").ConfigureAwait(false);
        var cpu = meter.Stop("sold-out phase").Per((int)soldOut, "sold-out answer");
        var seconds = stats.Elapsed.TotalSeconds;
        var otherCount = others.Values.Sum();
        context.Result.Phases.Add(PhaseResult.From(stats, system.GatewayUrl.ToString(), stats.Elapsed, 0, options.SoldOutRate, ["dropped"]));
        return new SoldOutPhaseResult(options.SoldOutRate, Math.Round(seconds, 2), soldOut + otherCount, soldOut, otherCount,
            new Dictionary<string, long>(others, StringComparer.Ordinal), stats.Counter("dropped"),
            seconds > 0 ? Math.Round((soldOut + otherCount) / seconds, 1) : 0, stats.Latency("sold-out buy-now"), cpu);
    }

    private static double Lap(Stopwatch stage)
    {
        var seconds = Math.Round(stage.Elapsed.TotalSeconds, 1);
        stage.Restart();
        return seconds;
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
}
