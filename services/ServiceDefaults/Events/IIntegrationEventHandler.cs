namespace Flipkart.ServiceDefaults;

/// <summary>
/// Handles one consumed event. Delivery is at least once and may reorder, so every handler is idempotent. Throwing
/// makes Dapr redeliver the event later; throw <see cref="UnprocessableEventException"/> for an event that no
/// redelivery can fix, and it is dropped.
/// </summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken cancellationToken);
}

/// <summary>The event can never be processed (it contradicts itself or names nothing usable): dropped, not retried.</summary>
public sealed class UnprocessableEventException(string message) : Exception(message);
