using System.Globalization;
using Dapr;
using Dapr.Client;
using Flipkart.Cart.Domain;
using Flipkart.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Flipkart.Cart.Infrastructure;

/// <summary>
/// Carts in <c>cart-store</c>, one key per user. Every write is an ETag compare-and-swap (first-write
/// concurrency), retried a bounded number of times, so two tabs editing one cart never lose an update.
/// </summary>
public sealed class CartStore(DaprClient dapr, IOptionsMonitor<CartOptions> options, TimeProvider time)
{
    public async Task<ShoppingCart> GetAsync(string userId, CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<ShoppingCart?>(DaprComponents.CartStore, Key(userId), cancellationToken: cancellationToken)
        ?? ShoppingCart.Empty(userId);

    /// <summary>
    /// Reads, applies <paramref name="change"/> and writes back if it returned true; on a lost race starts over
    /// from a fresh read. Throws <see cref="CartConcurrencyException"/> when the retries run out.
    /// </summary>
    public async Task<ShoppingCart> UpdateAsync(string userId, Func<ShoppingCart, DateTimeOffset, bool> change, CancellationToken cancellationToken)
    {
        var pipeline = Pipeline(options.CurrentValue.ConcurrencyRetries);
        return await pipeline.ExecuteAsync(async token =>
        {
            var (cart, etag) = await dapr.GetStateAndETagAsync<ShoppingCart?>(DaprComponents.CartStore, Key(userId), cancellationToken: token);
            cart ??= ShoppingCart.Empty(userId);
            if (!change(cart, time.GetUtcNow()))
            {
                return cart;
            }

            if (!await TrySaveAsync(cart, etag, token))
            {
                throw new CartConcurrencyException();
            }
            return cart;
        }, cancellationToken);
    }

    public Task DeleteAsync(string userId, CancellationToken cancellationToken) =>
        dapr.DeleteStateAsync(DaprComponents.CartStore, Key(userId), cancellationToken: cancellationToken);

    /// <summary>The item metadata every save carries: the idle expiry restarts with each change.</summary>
    public IReadOnlyDictionary<string, string> SaveMetadata() => new Dictionary<string, string>
    {
        ["ttlInSeconds"] = ((long)options.CurrentValue.IdleExpiry.TotalSeconds).ToString(CultureInfo.InvariantCulture),
    };

    private async Task<bool> TrySaveAsync(ShoppingCart cart, string etag, CancellationToken cancellationToken)
    {
        var stateOptions = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };
        try
        {
            return await dapr.TrySaveStateAsync(DaprComponents.CartStore, Key(cart.UserId), cart, etag, stateOptions,
                metadata: SaveMetadata(), cancellationToken: cancellationToken);
        }
        catch (DaprException ex) when (IsConflict(ex))
        {
            // First write of a new cart raced with another first write: the key now exists.
            return false;
        }
    }

    private static bool IsConflict(DaprException ex) =>
        ex.InnerException is RpcException { StatusCode: StatusCode.Aborted or StatusCode.FailedPrecondition };

    private static ResiliencePipeline Pipeline(int retries) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<CartConcurrencyException>(),
            MaxRetryAttempts = retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
        })
        .Build();

    // Dapr reserves "||" in keys; user ids come from the Gateway but are escaped anyway.
    internal static string Key(string userId) => $"cart-{userId.Replace("|", "%7C", StringComparison.Ordinal)}";
}

public sealed class CartConcurrencyException() : Exception("The cart kept changing underneath this request.");
