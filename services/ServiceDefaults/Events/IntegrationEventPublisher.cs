using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Publishes a service's events on its topic. Two ways, one envelope: this publisher sends at once (catalog,
/// inventory: their events restate a decision already stored, so a lost publish is repeated by the next delivery
/// or request); <see cref="DaprState{T}.TryCommitAsync"/> sends through the store's outbox once the state change won
/// its compare-and-swap (ordering, payment: the event must leave if and only if the change is saved; the saved item
/// rebuilds it if the publish is lost). Either way the CloudEvent type is the record's name.
/// </summary>
public interface IIntegrationEventPublisher
{
    /// <summary>
    /// Publishes <paramref name="event"/>; <paramref name="partitionKey"/> keeps one subject's events in order on
    /// ordered brokers (Kafka).
    /// </summary>
    Task PublishAsync(IntegrationEvent @event, string partitionKey, CancellationToken cancellationToken);
}

/// <summary>Publishes straight to the broker through the sidecar; the event id is the CloudEvent id.</summary>
public sealed class DaprEventPublisher(DaprClient dapr, string topic, ILogger<DaprEventPublisher> logger) : IIntegrationEventPublisher
{
    public async Task PublishAsync(IntegrationEvent @event, string partitionKey, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            ["cloudevent.type"] = @event.Type,
            ["cloudevent.id"] = @event.EventId.ToString(),
            ["partitionKey"] = partitionKey,
        };
        // Published as object so the concrete record's properties are serialised.
        await dapr.PublishEventAsync(DaprComponents.PubSub, topic, (object)@event, metadata, cancellationToken);
        logger.LogInformation("Published {EventType} {EventId} on {Topic}: {@IntegrationEvent}", @event.Type, @event.EventId, topic, @event);
    }
}

public static class IntegrationEventPublisherExtensions
{
    /// <summary>Registers the direct <see cref="IIntegrationEventPublisher"/> for this service's <paramref name="topic"/>.</summary>
    public static IServiceCollection AddIntegrationEventPublisher(this IServiceCollection services, string topic) =>
        services.AddSingleton<IIntegrationEventPublisher>(provider =>
            ActivatorUtilities.CreateInstance<DaprEventPublisher>(provider, topic));
}
