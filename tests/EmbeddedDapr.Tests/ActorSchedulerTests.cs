using Flipkart.EmbeddedDapr.Actors;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

public class ActorSchedulerTests
{
    [Fact]
    public async Task Callbacks_run_when_the_fake_clock_reaches_them_in_due_order()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ActorScheduler(time);
        var fired = new List<string>();
        var all = new TaskCompletionSource();
        var start = time.GetUtcNow();
        scheduler.Schedule(start.AddSeconds(10), () => Record("b"));
        scheduler.Schedule(start.AddSeconds(5), () => Record("a"));
        scheduler.Schedule(start.AddSeconds(30), () => Record("c"));

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(Snapshot());
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForCount(1);
        time.Advance(TimeSpan.FromSeconds(5));
        await WaitForCount(2);
        Assert.Equal(["a", "b"], Snapshot());
        Assert.Equal(1, scheduler.Count);

        Task Record(string name)
        {
            lock (fired)
            {
                fired.Add(name);
            }

            return Task.CompletedTask;
        }

        List<string> Snapshot()
        {
            lock (fired)
            {
                return fired.ToList();
            }
        }

        async Task WaitForCount(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (Snapshot().Count < count)
            {
                await Task.Delay(5, timeout.Token);
            }
        }
    }

    [Fact]
    public void Disposing_the_handle_cancels_the_callback()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ActorScheduler(time);
        var handle = scheduler.Schedule(time.GetUtcNow().AddSeconds(1), () => throw new InvalidOperationException("must not run"));
        handle.Dispose();
        Assert.Equal(0, scheduler.Count);
        time.Advance(TimeSpan.FromSeconds(2));
    }
}
