using Dapr.Actors;
using Dapr.Actors.Runtime;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;

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

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

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

        Order? order;
        try
        {
            order = await orders.ExpireReservationAsync(orderId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is DependencyUnavailableException or ConcurrencyConflictException)
        {
            // The store or the broker is out (the order's change or its event did not get through): this reminder is
            // the order's last scheduled touch, so it comes back rather than leave an unpublished event behind.
            Logger.LogWarning(ex, "Order {OrderId}: reservation expiry could not finish; trying again in {Delay}", orderId, RetryDelay);
            await ScheduleAsync(time.GetUtcNow() + RetryDelay);
            return;
        }
        if (order is { IsFinal: false } && order.ReservationExpiresAt > time.GetUtcNow())
        {
            // Fired early (clocks of two hosts disagree): arm again for the rest of the window.
            await ScheduleAsync(order.ReservationExpiresAt);
        }
    }
}
