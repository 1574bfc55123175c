using System.Collections.Concurrent;
using System.Diagnostics;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Many users, each once through the storefront's checkout: dev-token login, 1–3 products into the cart (Zipf over a
/// well-stocked set), place the order with an Idempotency-Key, poll until it settles.
/// </summary>
public static class CheckoutScenario
{
    /// <summary>Products on offer; each is stocked far beyond what a run can buy, so checkout measures the saga, not sell-outs.</summary>
    public const int ProductsOnOffer = 20;

    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var system = context.RequireSystem();
        var options = context.Options;
        var concurrency = options.EffectiveConcurrency;
        using var client = new LoadClient(system.GatewayUrl, concurrency + 8);
        var api = new ShopApi(client);

        var admin = ShopApi.AdminToken(system, $"lt{context.RunTag}-admin");
        var (_, products) = await api.DiscoverCatalogAsync(200, cancellationToken).ConfigureAwait(false);
        var offer = products.Where(p => p.Price == decimal.Truncate(p.Price)).ToArray();
        new Random(options.Seed).Shuffle(offer);
        offer = offer.Take(ProductsOnOffer).ToArray();
        foreach (var product in offer)
        {
            await api.SetStockAsync(admin, product.Id, 1_000_000, cancellationToken).ConfigureAwait(false);
        }
        if (options.Warmup > TimeSpan.Zero && products.FirstOrDefault(p => !offer.Contains(p)) is { } spare)
        {
            context.Ui.Info($"warming the services up with {FlashSaleScenario.WarmupCheckouts} checkouts of {spare.Id} ...");
            await Warmup.CheckoutsAsync(api, admin, spare.Id, context.RunTag, FlashSaleScenario.WarmupCheckouts, 4, options.SettleTimeout, cancellationToken).ConfigureAwait(false);
        }
        var popularity = new ZipfSampler(offer.Length, options.ZipfExponent);
        context.Ui.Info($"checkout: {offer.Length} products stocked; {concurrency} users at a time, " +
            (options.Users is { } n ? $"{n} sessions" : $"for {options.Duration.TotalSeconds:0}s"));

        var stats = new LoadStats("checkout");
        var sessions = 0;
        var failures = new ConcurrentQueue<string>();
        var observations = new ConcurrentBag<OrderObservation>();
        await context.Ui.TrackAsync("checkout", stats, options.Users is null ? options.Duration : null, async () =>
        {
            await LoadRunner.RunClosedLoopAsync(concurrency, options.Users is null ? options.Duration : null, options.Users, options.Seed, async (index, random, ct) =>
            {
                Interlocked.Increment(ref sessions);
                var userId = $"lt{context.RunTag}-user{index:000000}";
                try
                {
                    var token = await api.LoginAsync(stats, userId, "customer", random, ct).ConfigureAwait(false);
                    var items = random.Next(1, 4);
                    var chosen = new HashSet<string>(StringComparer.Ordinal);
                    while (chosen.Count < Math.Min(items, offer.Length))
                    {
                        chosen.Add(offer[popularity.Sample(random)].Id);
                    }
                    foreach (var productId in chosen)
                    {
                        var added = await api.WithRetriesAsync(
                            () => client.SendJsonAsync(stats, "cart-add", HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity = 1 }, ct, token),
                            random, ct).ConfigureAwait(false);
                        if (!added.IsSuccess)
                        {
                            throw new ScenarioException($"cart: {ShopApi.Describe(added)}");
                        }
                    }

                    var placedAt = Stopwatch.GetTimestamp();
                    var (orderId, total, reply) = await Orders.PlaceAsync(api, stats, token, random, ct).ConfigureAwait(false);
                    if (orderId is not { } id)
                    {
                        throw new ScenarioException($"order: {ShopApi.Describe(reply)}");
                    }
                    stats.Count("placed");
                    // Settling is followed even past the phase's end: a session that started is finished.
                    var order = await Orders.FollowAsync(api, stats, token, id, total, () => stats.Elapsed, options.SettleTimeout, CancellationToken.None).ConfigureAwait(false);
                    observations.Add(order);
                    if (order.SettledAt is not null)
                    {
                        stats.RecordDuration("order placed → settled (polled)", Stopwatch.GetElapsedTime(placedAt));
                        stats.Count(order.Won ? "confirmed" : "cancelled");
                    }
                }
                catch (ScenarioException e)
                {
                    stats.Count("failed");
                    if (failures.Count < 5)
                    {
                        failures.Enqueue($"{userId}: {e.Message}");
                    }
                }
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }, () => $"sessions {Volatile.Read(ref sessions)}, confirmed {stats.Counter("confirmed")}").ConfigureAwait(false);

        var elapsed = stats.Elapsed;
        context.Result.Phases.Add(PhaseResult.From(stats, system.GatewayUrl.ToString(), elapsed, concurrency, null, ["placed", "confirmed", "cancelled", "failed"]));
        var all = observations.ToList();
        context.Result.Checkout = new CheckoutResult(
            Volatile.Read(ref sessions),
            all.Count(o => o.Won),
            all.Count(o => o.Outcome == OrderOutcomes.Cancelled),
            all.Count(o => o.SettledAt is null),
            (int)stats.Counter("failed"),
            Math.Round(all.Count(o => o.Won) / Math.Max(elapsed.TotalSeconds, 1e-6), 1),
            stats.Latency("place-order"),
            stats.Latency("order placed → settled (polled)"));
        context.Result.Notes.AddRange(failures);

        // A checkout that neither confirms nor cancels is a broken saga, whatever the throughput.
        context.Result.Invariants.Add(new("every placed order settles (Confirmed or Cancelled)", all.All(o => o.SettledAt is not null),
            $"{all.Count} orders, {all.Count(o => o.SettledAt is null)} unsettled after {options.SettleTimeout.TotalSeconds:0}s"));
        context.Result.Invariants.Add(new("no session failed", stats.Counter("failed") == 0, $"{stats.Counter("failed")} of {Volatile.Read(ref sessions)} sessions failed"));
    }
}
