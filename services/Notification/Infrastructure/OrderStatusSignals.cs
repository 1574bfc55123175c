using System.Collections.Concurrent;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Wakes the status streams open on this replica when this replica records a change to their order, so they push
/// it at once instead of at the next poll. Streams on other replicas rely on polling the store.
/// </summary>
public sealed class OrderStatusSignals
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> waiters = new();

    /// <summary>A task that completes at the next <see cref="Notify"/> for the order.</summary>
    public Task NextChangeAsync(Guid orderId) =>
        waiters.GetOrAdd(orderId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(Guid orderId)
    {
        if (waiters.TryRemove(orderId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Forgets an order nobody waits for any more, so the table does not grow with every order ever streamed.</summary>
    public void Forget(Guid orderId) => waiters.TryRemove(orderId, out _);
}
