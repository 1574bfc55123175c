using Dapr.Client;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>Publishes on the <c>inventory</c> topic with the event name as CloudEvent type, keyed by order for ordered brokers.</summary>
public sealed class DaprInventoryEventPublisher(DaprClient dapr, ILogger<DaprInventoryEventPublisher> logger) : IInventoryEventPublisher
{
    public async Task PublishAsync(InventoryEvent @event, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            ["cloudevent.type"] = @event.Type,
            ["cloudevent.id"] = @event.EventId.ToString(),
            ["partitionKey"] = @event.OrderId.ToString(),
        };
        // Published as object so the concrete record's properties are serialised.
        await dapr.PublishEventAsync(DaprComponents.PubSub, Topics.Inventory, (object)@event, metadata, cancellationToken);
        logger.LogInformation("Published {EventType} for order {OrderId}: {@IntegrationEvent}", @event.Type, @event.OrderId, @event);
    }
}
