using Flipkart.Catalog.Domain;
using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.Services;

/// <summary>
/// An admin's edit of a listing: validated against the index's categories, saved to the store, this replica's caches
/// and index updated at once, and <see cref="ProductChanged"/> announced so the other replicas follow.
/// </summary>
public sealed class ProductEditor(
    CatalogIndex index, ProductStore store, ProductDetails details, IIntegrationEventPublisher events, TimeProvider time, ILogger<ProductEditor> logger)
{
    /// <summary>The product as saved. A failed announcement leaves the edit saved; the same PUT retried announces it.</summary>
    public async Task<Product> UpdateAsync(string id, ProductUpdate update, string editorId, CancellationToken cancellationToken)
    {
        var current = index.Current ?? throw new DependencyUnavailableException("The search index is still loading.");
        var errors = update.Validate(current.HasCategory);
        if (errors.Count > 0)
        {
            throw new RequestValidationException("Invalid product", errors);
        }
        if (!current.Contains(id) || await store.GetAsync(id, cancellationToken) is not { } existing)
        {
            throw new ProductNotFoundException(id);
        }

        var updated = update.ApplyTo(existing);
        await store.SaveAsync(updated, cancellationToken);
        await details.InvalidateAsync(id, cancellationToken);
        index.Apply(updated);

        // Kafka keeps one product's changes in order on one partition.
        await events.PublishAsync(new ProductChanged(Guid.NewGuid(), time.GetUtcNow(), updated.Id, updated.Title, updated.Price, updated.Mrp),
            partitionKey: updated.Id, cancellationToken);
        logger.LogInformation("Product {ProductId} updated by {UserId}", id, editorId);
        return updated;
    }
}
