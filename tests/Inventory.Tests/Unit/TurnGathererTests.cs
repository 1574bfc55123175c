using Flipkart.Inventory.Infrastructure;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

[Unit]
public class TurnGathererTests
{
    // A send that waits until the test lets it answer, recording what each call carried.
    private sealed class HeldSends
    {
        private readonly List<(string Key, int[] Items, TaskCompletionSource Release)> sent = [];

        public IReadOnlyList<(string Key, int[] Items)> Sent
        {
            get
            {
                lock (sent)
                {
                    return [.. sent.Select(s => (s.Key, s.Items))];
                }
            }
        }

        public Exception? FailNext { get; set; }

        public async Task<string[]> SendAsync(string key, int[] items)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (sent)
            {
                sent.Add((key, items, release));
            }
            await release.Task;
            if (FailNext is { } failure)
            {
                FailNext = null;
                throw failure;
            }
            return [.. items.Select(i => $"{key}:{i}")];
        }

        public void Answer(int call)
        {
            lock (sent)
            {
                sent[call].Release.SetResult();
            }
        }
    }

    [Fact]
    public async Task ACallToAnIdleKey_IsSentAtOnce_Alone()
    {
        var sends = new HeldSends();
        var gatherer = new TurnGatherer<int, string>(sends.SendAsync, maxPerCall: 10);

        var answer = gatherer.SendAsync("p1", 1);
        sends.Answer(0);

        Assert.Equal("p1:1", await answer);
        var sent = Assert.Single(sends.Sent);
        Assert.Equal("p1", sent.Key);
        Assert.Equal([1], sent.Items);
    }

    [Fact]
    public async Task CallsArrivingWhileOneIsInFlight_GoTogetherInTheNextCall_InArrivalOrder()
    {
        var sends = new HeldSends();
        var gatherer = new TurnGatherer<int, string>(sends.SendAsync, maxPerCall: 10);

        var first = gatherer.SendAsync("p1", 1);
        var queued = Enumerable.Range(2, 5).Select(i => gatherer.SendAsync("p1", i)).ToList();
        Assert.Single(sends.Sent);

        sends.Answer(0);
        await first;
        await WaitForAsync(() => sends.Sent.Count == 2);
        sends.Answer(1);

        Assert.Equal(["p1:2", "p1:3", "p1:4", "p1:5", "p1:6"], await Task.WhenAll(queued));
        Assert.Equal([2, 3, 4, 5, 6], sends.Sent[1].Items);
    }

    [Fact]
    public async Task ACallCarriesAtMostMaxPerCall()
    {
        var sends = new HeldSends();
        var gatherer = new TurnGatherer<int, string>(sends.SendAsync, maxPerCall: 2);

        var all = Enumerable.Range(1, 5).Select(i => gatherer.SendAsync("p1", i)).ToList();
        for (var call = 0; call < 3; call++)
        {
            await WaitForAsync(() => sends.Sent.Count == call + 1);
            sends.Answer(call);
        }

        Assert.Equal(["p1:1", "p1:2", "p1:3", "p1:4", "p1:5"], await Task.WhenAll(all));
        Assert.Equal([[1], [2, 3], [4, 5]], sends.Sent.Select(s => s.Items));
    }

    [Fact]
    public async Task AFailedCall_FailsTheCallsItCarried_AndTheNextCallsStillGo()
    {
        var sends = new HeldSends();
        var gatherer = new TurnGatherer<int, string>(sends.SendAsync, maxPerCall: 10);

        var first = gatherer.SendAsync("p1", 1);
        var carriedByTheFailure = new[] { gatherer.SendAsync("p1", 2), gatherer.SendAsync("p1", 3) };
        sends.Answer(0);
        await first;
        await WaitForAsync(() => sends.Sent.Count == 2);
        var afterTheFailure = gatherer.SendAsync("p1", 4);
        sends.FailNext = new InvalidOperationException("actor unavailable");
        sends.Answer(1);

        foreach (var failed in carriedByTheFailure)
        {
            Assert.Equal("actor unavailable", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
        }
        await WaitForAsync(() => sends.Sent.Count == 3);
        sends.Answer(2);
        Assert.Equal("p1:4", await afterTheFailure);
    }

    [Fact]
    public async Task KeysDoNotWaitForEachOther()
    {
        var sends = new HeldSends();
        var gatherer = new TurnGatherer<int, string>(sends.SendAsync, maxPerCall: 10);

        var p1 = gatherer.SendAsync("p1", 1);
        var p2 = gatherer.SendAsync("p2", 1);
        Assert.Equal(["p1", "p2"], sends.Sent.Select(s => s.Key));

        sends.Answer(1);
        Assert.Equal("p2:1", await p2);
        Assert.False(p1.IsCompleted);
        sends.Answer(0);
        Assert.Equal("p1:1", await p1);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the gatherer's next call");
            await Task.Delay(5);
        }
    }
}
