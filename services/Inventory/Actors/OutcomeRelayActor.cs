using Dapr.Actors;
using Dapr.Actors.Runtime;
using Flipkart.Inventory.Domain;

namespace Flipkart.Inventory.Actors;

public interface IOutcomeRelayActor : IActor
{
    /// <summary>Arms the retry of the order's outcome (idempotent: re-arming replaces the reminder).</summary>
    Task ScheduleAsync();
}

/// <summary>
/// One per order whose reservation outcome could not be published (actor id = order id). A periodic Dapr reminder
/// republishes the outcome stored on the order's reservation record until it goes out, then removes itself. The
/// reminder is durable (it survives restarts and moves with placement) and needs neither the broker nor a shared
/// index key, so a broker outage costs late outcomes, never lost ones, and no failed delivery (finding 13).
/// </summary>
public sealed class OutcomeRelayActor(ActorHost host, ReservationCoordinator coordinator) : Actor(host), IOutcomeRelayActor, IRemindable
{
    public const string ReminderName = "publish-outcome";

    /// <summary>How often the outcome is tried again: the broker's outbound circuit breaker is the longest thing it waits out.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    public Task ScheduleAsync() => RegisterReminderAsync(ReminderName, null, Period, Period);

    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        if (reminderName != ReminderName || !Guid.TryParse(Id.GetId(), out var orderId))
        {
            return;
        }
        try
        {
            await coordinator.PublishStoredOutcomeAsync(orderId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogWarning(ex, "Order {OrderId}: reservation outcome still not published; next try in {Period}", orderId, Period);
            return;
        }
        await UnregisterReminderAsync(ReminderName);
    }
}
