using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.IntegrationEvents.EventHandling;

/// <summary>
/// Keeps every replica's search index and memory cache in step with edits made on any replica. The event
/// only says which product changed; the store is re-read so a late or reordered event cannot roll it back.
/// </summary>
public sealed class ProductChangedHandler(ProductStore store, CatalogIndex index, ProductDetails details, ILogger<ProductChangedHandler> logger)
    : IIntegrationEventHandler<ProductChanged>
{
    public async Task HandleAsync(ProductChanged @event, CancellationToken cancellationToken)
    {
        logger.LogInformation("Handling {EventName} {EventId} for product {ProductId}", nameof(ProductChanged), @event.EventId, @event.ProductId);
        var product = await store.GetAsync(@event.ProductId, cancellationToken);
        if (product is null)
        {
            logger.LogWarning("Product {ProductId} from {EventId} is not in the store; ignoring", @event.ProductId, @event.EventId);
            return;
        }

        await details.InvalidateAsync(product.Id, cancellationToken);
        if (index.Current?.Find(product.Id) is { } indexed && indexed.HasSameListing(product))
        {
            return; // our own edit, already applied when it was made
        }
        index.Apply(product);
    }
}
