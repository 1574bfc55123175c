using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// A few complete checkouts before anything is measured, on a product of their own: the services are JIT-compiled,
/// their connection pools, actors and caches are warm, as in a shop that has been serving for a while. Without it the
/// first burst of a flash sale lands on cold processes, times out in the sidecar and trips its circuit breaker.
/// </summary>
public static class Warmup
{
    /// <param name="buyNow">Warm the buy-now path (the flash sale's) instead of cart → POST /api/orders.</param>
    public static async Task CheckoutsAsync(ShopApi api, string adminToken, string productId, string runTag, int count, int concurrency, TimeSpan settleTimeout,
        CancellationToken cancellationToken, bool buyNow = false)
    {
        await api.SetStockAsync(adminToken, productId, Math.Max(count * 2, 100), cancellationToken).ConfigureAwait(false);
        var stats = new LoadStats("warm-up");
        await LoadRunner.RunClosedLoopAsync(concurrency, null, count, 7, async (index, random, ct) =>
        {
            var token = await api.LoginAsync(stats, $"lt{runTag}-warmup{index:000}", "customer", random, ct).ConfigureAwait(false);
            if (buyNow)
            {
                var (boughtId, boughtTotal, _) = await Orders.BuyNowAsync(api, stats, token, productId, random, ct).ConfigureAwait(false);
                if (boughtId is { } bought)
                {
                    await Orders.FollowAsync(api, stats, token, bought, boughtTotal, () => stats.Elapsed, settleTimeout, ct).ConfigureAwait(false);
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
}
