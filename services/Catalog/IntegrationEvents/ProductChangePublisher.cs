using Dapr.Client;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.IntegrationEvents;

public sealed class ProductChangePublisher(DaprClient dapr)
{
    public Task PublishAsync(ProductChanged @event, CancellationToken cancellationToken) =>
        dapr.PublishEventAsync(DaprComponents.PubSub, Topics.Catalog, @event, new Dictionary<string, string>
        {
            ["cloudevent.type"] = nameof(ProductChanged),
            // Kafka keeps one product's changes in order on one partition.
            ["partitionKey"] = @event.ProductId,
        }, cancellationToken);
}
