using System.Globalization;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// A steady mixed load for minutes: anonymous browsing at a fixed rate (the browse mix) beside a few signed-in users
/// checking out one after another (login → one product into the cart → order → settled). Every service replica's
/// resident memory is sampled from /proc; after a warm-up it may grow at most the limit, and no request may fail.
/// </summary>
public static class SoakScenario
{
    public const double DefaultBrowseRate = 100;

    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var system = context.RequireSystem();
        var options = context.Options;
        var users = options.EffectiveConcurrency;
        var rate = options.Rate ?? DefaultBrowseRate;
        using var client = new LoadClient(system.GatewayUrl, 64 + users);
        var api = new ShopApi(client);

        var admin = ShopApi.AdminToken(system, $"lt{context.RunTag}-admin");
        var (categories, products) = await api.DiscoverCatalogAsync(options.Products, cancellationToken).ConfigureAwait(false);
        var shuffled = products.Select(p => p.Id).ToArray();
        new Random(options.Seed).Shuffle(shuffled);
        var mix = new BrowseMix(categories, shuffled, new ZipfSampler(shuffled.Length, options.ZipfExponent));
        var offer = products.Where(p => p.Price == decimal.Truncate(p.Price)).Take(CheckoutScenario.ProductsOnOffer).ToArray();
        foreach (var product in offer)
        {
            await api.SetStockAsync(admin, product.Id, 1_000_000, cancellationToken).ConfigureAwait(false);
        }

        var duration = options.SoakDuration;
        var warmup = options.EffectiveSoakWarmup;
        context.Ui.Info(string.Create(CultureInfo.InvariantCulture,
            $"soak: {duration.TotalMinutes:0.##} min, browse at {rate:0} req/s + {users} users checking out; memory growth measured after {warmup.TotalSeconds:0}s, limit {options.RssGrowthLimitPercent:0.#}%"));

        var stats = new LoadStats("soak");
        var sessions = 0;
        var observations = new List<OrderObservation>();
        var failures = new List<string>();
        await using var sampler = new ProcessSampler(system.Processes(), TimeSpan.FromSeconds(2));
        await context.Ui.TrackAsync("soak", stats, duration, async () =>
        {
            var browse = LoadRunner.RunFixedRateAsync(rate, duration, 256, options.Seed, async (random, scheduledAt, ct) =>
            {
                var (operation, path) = mix.Next(random);
                await client.GetAsync(stats, operation, path, ct, scheduledAt: scheduledAt).ConfigureAwait(false);
            }, () => stats.Count("dropped"), cancellationToken);

            var checkout = LoadRunner.RunClosedLoopAsync(users, duration, null, options.Seed, async (index, random, ct) =>
            {
                Interlocked.Increment(ref sessions);
                var userId = $"lt{context.RunTag}-soak{index:000000}";
                var token = await api.LoginAsync(stats, userId, "customer", random, ct).ConfigureAwait(false);
                var productId = offer[random.Next(offer.Length)].Id;
                var added = await api.WithRetriesAsync(
                    () => client.SendJsonAsync(stats, "cart-add", HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity = 1 }, ct, token), random, ct).ConfigureAwait(false);
                var (orderId, total, reply) = added.IsSuccess ? await Orders.PlaceAsync(api, stats, token, random, ct).ConfigureAwait(false) : (null, 0, added);
                if (orderId is not { } id)
                {
                    stats.Count("failed");
                    lock (failures)
                    {
                        if (failures.Count < 5)
                        {
                            failures.Add($"{userId}: {ShopApi.Describe(reply)}");
                        }
                    }
                    return;
                }
                // A session that started is finished, past the end if need be.
                var order = await Orders.FollowAsync(api, stats, token, id, total, () => stats.Elapsed, options.SettleTimeout, CancellationToken.None).ConfigureAwait(false);
                stats.Count(order.Won ? "confirmed" : order.SettledAt is null ? "unsettled" : "cancelled");
                lock (observations)
                {
                    observations.Add(order);
                }
            }, cancellationToken);
            await Task.WhenAll(browse, checkout).ConfigureAwait(false);
            return true;
        }, () => string.Create(CultureInfo.InvariantCulture, $"sessions {Volatile.Read(ref sessions)}, confirmed {stats.Counter("confirmed")}, errors {stats.Errors}")).ConfigureAwait(false);

        var series = sampler.Series();
        var phase = PhaseResult.From(stats, system.GatewayUrl.ToString(), stats.Elapsed, users, rate, ["dropped", "confirmed", "cancelled", "unsettled", "failed"]);
        context.Result.Phases.Add(phase);
        var growth = SoakAnalysis.Growth(series, warmup, options.RssGrowthLimitPercent);
        var byStatus = phase.Operations.Values.SelectMany(o => o.StatusCodes)
            .Where(s => s.Key == LoadStats.StatusName(LoadStats.NoResponse) || int.TryParse(s.Key, CultureInfo.InvariantCulture, out var code) && code >= 400)
            .GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);
        context.Result.Soak = new SoakResult(Math.Round(duration.TotalMinutes, 2), Math.Round(warmup.TotalSeconds, 1), options.RssGrowthLimitPercent, rate, users,
            Volatile.Read(ref sessions), phase.Errors, byStatus, growth, series);
        context.Result.Notes.AddRange(failures);

        context.Result.Invariants.Add(new("no request failed", phase.Errors == 0 && stats.Counter("failed") == 0,
            phase.Errors == 0 ? $"{phase.Requests} requests, none failed" : $"{phase.Errors} of {phase.Requests} requests failed: {string.Join(", ", byStatus.Select(s => $"{s.Key}×{s.Value}"))}"));
        var unsettled = observations.Count(o => o.SettledAt is null);
        context.Result.Invariants.Add(new("every placed order settles", unsettled == 0, $"{observations.Count} orders, {unsettled} unsettled after {options.SettleTimeout.TotalSeconds:0}s"));
        var grown = growth.Where(g => !g.Passed).ToList();
        context.Result.Invariants.Add(new(string.Create(CultureInfo.InvariantCulture, $"each service's memory grows ≤ {options.RssGrowthLimitPercent:0.#}% after the warm-up"),
            grown.Count == 0 && growth.Any(g => g.Judged),
            growth.Count == 0 ? "no memory samples (is /proc readable?)"
                : string.Join("; ", growth.Where(g => g.Judged).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Process} {g.AfterWarmupMb:0}→{g.AtEndMb:0} MB ({g.GrowthPercent:+0.0;-0.0}%)")))));
    }
}
