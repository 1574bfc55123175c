using Flipkart.EmbeddedDapr.Actors;

namespace Flipkart.EmbeddedDapr.Tests;

public class ActorTurnLockTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Callers_take_turns_in_arrival_order()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: false, maxStackDepth: 32);
        var first = await turnLock.EnterAsync(null, None);
        var second = turnLock.EnterAsync(null, None).AsTask();
        var third = turnLock.EnterAsync(null, None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        first.Dispose();
        (await second).Dispose();
        (await third).Dispose();
        Assert.Equal(0, turnLock.PendingFlights);
    }

    [Fact]
    public async Task The_same_reentrancy_id_waits_when_reentrancy_is_disabled()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: false, maxStackDepth: 32);
        var outer = await turnLock.EnterAsync("chain-1", None);
        var inner = turnLock.EnterAsync("chain-1", None).AsTask();
        await Task.Yield();
        Assert.False(inner.IsCompleted);
        outer.Dispose();
        (await inner).Dispose();
    }

    [Fact]
    public async Task The_same_reentrancy_id_enters_at_once_when_reentrancy_is_enabled()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: true, maxStackDepth: 32);
        var outer = await turnLock.EnterAsync("chain-1", None);
        var inner = turnLock.EnterAsync("chain-1", None);
        Assert.True(inner.IsCompleted);
        var other = turnLock.EnterAsync("chain-2", None).AsTask();
        Assert.False(other.IsCompleted);

        (await inner).Dispose();
        Assert.False(other.IsCompleted);
        outer.Dispose();
        (await other).Dispose();
    }

    [Fact]
    public async Task A_reentrant_chain_fails_beyond_max_stack_depth()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: true, maxStackDepth: 3);
        var turns = new List<ActorTurnLock.Turn>();
        for (var i = 0; i < 3; i++)
        {
            turns.Add(await turnLock.EnterAsync("chain", None));
        }

        await Assert.ThrowsAsync<ActorStackDepthExceededException>(() => turnLock.EnterAsync("chain", None).AsTask());
        turns.ForEach(t => t.Dispose());
        Assert.Equal(0, turnLock.PendingFlights);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: false, maxStackDepth: 32);
        var holder = await turnLock.EnterAsync(null, None);
        using var cts = new CancellationTokenSource();
        var waiter = turnLock.EnterAsync(null, cts.Token).AsTask();
        var next = turnLock.EnterAsync(null, None).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);

        holder.Dispose();
        (await next).Dispose();
        Assert.Equal(0, turnLock.PendingFlights);
    }

    [Fact]
    public async Task Closing_fails_queued_callers_so_they_can_reactivate()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: false, maxStackDepth: 32);
        var holder = await turnLock.EnterAsync(null, None);
        var waiter = turnLock.EnterAsync(null, None).AsTask();
        turnLock.Close();
        await Assert.ThrowsAsync<ActorDeactivatedException>(() => waiter);
        holder.Dispose();
        await Assert.ThrowsAsync<ActorDeactivatedException>(() => turnLock.EnterAsync(null, None).AsTask());
    }

    [Fact]
    public async Task Many_concurrent_callers_never_overlap()
    {
        var turnLock = new ActorTurnLock(reentrancyEnabled: false, maxStackDepth: 32);
        var inside = 0;
        var overlaps = 0;
        var tasks = Enumerable.Range(0, 500).Select(_ => Task.Run(async () =>
        {
            using var turn = await turnLock.EnterAsync(null, None);
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            await Task.Yield();
            Interlocked.Decrement(ref inside);
        }));
        await Task.WhenAll(tasks);
        Assert.Equal(0, overlaps);
    }
}
