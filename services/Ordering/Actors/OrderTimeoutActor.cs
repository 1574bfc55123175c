using Dapr.Actors;
using Dapr.Actors.Runtime;
using Flipkart.Ordering.Services;

namespace Flipkart.Ordering.Actors;

public interface IOrderTimeoutActor : IActor
{
    /// <summary>Arms (or re-arms) the order's reservation deadline.</summary>
    Task ScheduleAsync(DateTimeOffset dueAt);
}

/// <summary>
/// The reservation timer of one order (actor id = order id). A Dapr reminder is durable (it survives restarts and
/// moves with placement when replicas change), fires once per order, and needs no shared index key that every
/// checkout would contend on. When it fires, the order is cancelled if it is still unpaid; otherwise nothing happens.
/// </summary>
public sealed class OrderTimeoutActor(ActorHost host, OrderService orders, TimeProvider time) : Actor(host), IOrderTimeoutActor, IRemindable
{
    public const string ReminderName = "reservation-expiry";

    public async Task ScheduleAsync(DateTimeOffset dueAt)
    {
        var dueIn = dueAt - time.GetUtcNow();
        await RegisterReminderAsync(ReminderName, null, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        if (reminderName != ReminderName || !Guid.TryParse(Id.GetId(), out var orderId))
        {
            return;
        }

        var order = await orders.ExpireReservationAsync(orderId, CancellationToken.None);
        if (order is { IsFinal: false } && order.ReservationExpiresAt > time.GetUtcNow())
        {
            // Fired early (clocks of two hosts disagree): arm again for the rest of the window.
            await ScheduleAsync(order.ReservationExpiresAt);
        }
    }
}
