using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Checkouts before anything is measured, on a product of their own, so the measurement meets services that have been
/// serving for a while: connection pools, actors and caches warm and, for a flash sale, the hot paths recompiled by
/// .NET's tiered JIT. Without it the first burst of a flash sale lands on cold processes, times out in the sidecar and
/// trips its circuit breaker.
/// </summary>
public static class Warmup
{
    /// <param name="units">Stock put on the product: fewer than <paramref name="count"/> rehearses the sold-out answers too.</param>
    /// <param name="buyNow">Warm the buy-now path (the flash sale's) instead of cart → POST /api/orders.</param>
    /// <param name="follow">How buy-now buyers follow their orders: the sale's way, so that path is warm too.</param>
    public static async Task CheckoutsAsync(ShopApi api, string adminToken, string productId, string runTag, int count, int concurrency, TimeSpan settleTimeout,
        CancellationToken cancellationToken, bool buyNow = false, int? units = null, OrderFollow follow = OrderFollow.Poll)
    {
        await api.SetStockAsync(adminToken, productId, units ?? Math.Max(count * 2, 100), cancellationToken).ConfigureAwait(false);
        var stats = new LoadStats("warm-up");
        await LoadRunner.RunClosedLoopAsync(concurrency, null, count, 7, async (index, random, ct) =>
        {
            var token = await api.LoginAsync(stats, $"lt{runTag}-warmup{index:000}", "customer", random, ct).ConfigureAwait(false);
            if (buyNow)
            {
                var (boughtId, boughtTotal, _) = await Orders.BuyNowAsync(api, stats, token, productId, random, ct).ConfigureAwait(false);
                if (boughtId is { } bought)
                {
                    await Orders.FollowAsync(api, stats, token, bought, boughtTotal, () => stats.Elapsed, settleTimeout, ct, follow).ConfigureAwait(false);
                }
                return;
            }
            var added = await api.WithRetriesAsync(
                () => api.Client.SendJsonAsync(stats, "cart-add", HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity = 1 }, ct, token), random, ct).ConfigureAwait(false);
            if (!added.IsSuccess)
            {
                return;
            }
            var (orderId, total, _) = await Orders.PlaceAsync(api, stats, token, random, ct).ConfigureAwait(false);
            if (orderId is { } id)
            {
                await Orders.FollowAsync(api, stats, token, id, total, () => stats.Elapsed, settleTimeout, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every watched process has been nearly idle (under <paramref name="coresBusy"/> of a core in total)
    /// for two consecutive seconds, or <paramref name="limit"/> passes: .NET recompiles hot methods on a background
    /// thread after they have been called 30 times, and in a short sale right after start-up that recompilation was
    /// half of the CPU measured (docs/performance.md). Returns how long it took.
    /// </summary>
    public static async Task<TimeSpan> UntilQuietAsync(Func<IReadOnlyList<MonitoredProcess>> processes, double coresBusy, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var quietSeconds = 0;
        while (waited.Elapsed < limit && quietSeconds < 2)
        {
            var meter = CpuMeter.Start(processes);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            quietSeconds = meter.Stop("quiet").CoresBusy < coresBusy ? quietSeconds + 1 : 0;
        }
        return waited.Elapsed;
    }
}
