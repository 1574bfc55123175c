using Flipkart.Catalog.Domain;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// Holds the current search index. Readers take the reference and search it without locks; writers build a
/// new index and swap it in, serialised so two concurrent changes cannot drop each other.
/// </summary>
public sealed class CatalogIndex
{
    private readonly Lock writeLock = new();
    private volatile ProductSearchIndex? current;

    public bool IsReady => current is not null;

    /// <summary>The index, or null until start-up has loaded it.</summary>
    public ProductSearchIndex? Current => current;

    public void Publish(ProductSearchIndex index)
    {
        lock (writeLock)
        {
            current = index;
        }
    }

    /// <summary>Swaps in the store's full product list if it differs from what is indexed; true if it did.</summary>
    public bool Refresh(IReadOnlyList<Product> products)
    {
        lock (writeLock)
        {
            if (current is not { } index || index.HasSameProducts(products))
            {
                return false;
            }
            current = index.Rebuild(products);
            return true;
        }
    }

    public void Apply(Product changed)
    {
        lock (writeLock)
        {
            if (current is { } index)
            {
                current = index.With(changed);
            }
        }
    }
}

/// <summary>Readiness waits for the index: a replica that cannot search yet should get no traffic.</summary>
public sealed class CatalogIndexHealthCheck(CatalogIndex index) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(index.Current is { } current
            ? HealthCheckResult.Healthy($"{current.Count} products indexed")
            : new HealthCheckResult(context.Registration.FailureStatus, "Catalog index is still loading"));
}
