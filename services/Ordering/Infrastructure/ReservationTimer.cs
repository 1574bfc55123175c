using Dapr.Actors;
using Dapr.Actors.Client;
using Flipkart.Ordering.Actors;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Arms the per-order timer that cancels an order still unpaid when its stock reservation lapses.</summary>
public interface IReservationTimer
{
    Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken);
}

/// <summary>One <see cref="OrderTimeoutActor"/> per order holds a durable one-shot reminder.</summary>
public sealed class ActorReservationTimer(IActorProxyFactory actors) : IReservationTimer
{
    public Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var actor = actors.CreateActorProxy<IOrderTimeoutActor>(new ActorId(orderId.ToString("N")), nameof(OrderTimeoutActor));
        return actor.ScheduleAsync(dueAt);
    }
}
