using Flipkart.Catalog.Domain;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// Product detail, cache-aside: process memory, then the shared Dapr <c>cache</c> store (both via
/// <see cref="HybridCache"/>, which also collapses concurrent misses into one store read), then <c>catalog-store</c>.
/// </summary>
public sealed class ProductDetails(HybridCache cache, ProductStore store, IOptions<CatalogOptions> options)
{
    public static string CacheKey(string id) => $"catalog:product:{id}";

    public async Task<Product?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var entry = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromSeconds(options.Value.DetailCacheSeconds),
            LocalCacheExpiration = TimeSpan.FromSeconds(options.Value.DetailLocalCacheSeconds),
        };
        var product = await cache.GetOrCreateAsync(CacheKey(id), (store, id), static (s, ct) => new ValueTask<Product?>(s.store.GetAsync(s.id, ct)), entry, cancellationToken: cancellationToken);
        if (product is null)
        {
            // Do not remember a miss: callers only ask for ids the index knows, so a miss is a race we should not pin.
            await cache.RemoveAsync(CacheKey(id), cancellationToken);
        }
        return product;
    }

    public ValueTask InvalidateAsync(string id, CancellationToken cancellationToken) => cache.RemoveAsync(CacheKey(id), cancellationToken);
}
