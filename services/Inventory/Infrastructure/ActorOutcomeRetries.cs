using Dapr.Actors;
using Dapr.Actors.Client;
using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>Arms the order's <see cref="OutcomeRelayActor"/> (its reminder lives in Dapr's reminder storage, not on the broker).</summary>
public sealed class ActorOutcomeRetries(IActorProxyFactory proxies) : IOutcomeRetries
{
    public Task ScheduleAsync(Guid orderId, CancellationToken cancellationToken) =>
        proxies.CreateActorProxy<IOutcomeRelayActor>(new ActorId(orderId.ToString("N")), nameof(OutcomeRelayActor)).ScheduleAsync();
}
