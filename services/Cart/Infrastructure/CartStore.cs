using Dapr.Client;
using Flipkart.Cart.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Cart.Infrastructure;

/// <summary>
/// Carts in <c>cart-store</c>, one key per user. Every write is an ETag compare-and-swap (first-write
/// concurrency), retried a bounded number of times, so two tabs editing one cart never lose an update; every
/// save restarts the cart's idle expiry (state TTL).
/// </summary>
public sealed class CartStore(DaprClient dapr, IOptionsMonitor<CartOptions> options, TimeProvider time)
{
    private readonly DaprState<ShoppingCart> carts = new(dapr, DaprComponents.CartStore);

    public async Task<ShoppingCart> GetAsync(string userId, CancellationToken cancellationToken) =>
        await carts.GetAsync(Key(userId), cancellationToken) ?? ShoppingCart.Empty(userId);

    /// <summary>
    /// Reads, applies <paramref name="change"/> and writes back if it returned true; on a lost race starts over
    /// from a fresh read. Throws <see cref="ConcurrencyConflictException"/> when the retries run out.
    /// </summary>
    public Task<ShoppingCart> UpdateAsync(string userId, Func<ShoppingCart, DateTimeOffset, bool> change, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        return carts.UpdateAsync(Key(userId), stored =>
        {
            var cart = stored ?? ShoppingCart.Empty(userId);
            return change(cart, time.GetUtcNow()) ? (cart, cart) : (cart, null);
        }, ConcurrencyRetry.Attempts(settings.ConcurrencyRetries), cancellationToken, settings.IdleExpiry);
    }

    public Task DeleteAsync(string userId, CancellationToken cancellationToken) => carts.DeleteAsync(Key(userId), cancellationToken);

    /// <summary>The item metadata every save carries: the idle expiry restarts with each change.</summary>
    public IReadOnlyDictionary<string, string> SaveMetadata() => DaprState<ShoppingCart>.Metadata(options.CurrentValue.IdleExpiry)!;

    // Dapr reserves "||" in keys; user ids come from the Gateway but are escaped anyway.
    internal static string Key(string userId) => $"cart-{userId.Replace("|", "%7C", StringComparison.Ordinal)}";
}
