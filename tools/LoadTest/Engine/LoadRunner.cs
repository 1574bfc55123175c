using System.Diagnostics;

namespace Flipkart.LoadTest.Engine;

/// <summary>The two ways load is offered: a fixed number of busy workers (closed loop) or a fixed arrival rate (open loop).</summary>
public static class LoadRunner
{
    /// <summary>
    /// <paramref name="concurrency"/> workers, each starting its next iteration as soon as the last one ends, until
    /// <paramref name="duration"/> has passed (or <paramref name="iterations"/> ran, when given). Measures the most
    /// the target can serve at that concurrency.
    /// </summary>
    public static async Task RunClosedLoopAsync(
        int concurrency, TimeSpan? duration, long? iterations, int seed,
        Func<int, Random, CancellationToken, Task> iteration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } d)
        {
            stop.CancelAfter(d);
        }
        long next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, worker));
            while (!stop.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (iterations is { } max && index >= max)
                {
                    return;
                }
                try
                {
                    // The iteration gets the caller's token, not the duration's: at the end of a phase requests in
                    // flight finish instead of being aborted. Aborting them is not free for the target either: the
                    // sidecar counts each cancelled invocation as a failure, and a burst of them opens its circuit
                    // breaker towards the app for the breaker's timeout (30 s in components/local).
                    await iteration((int)index, random, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts requests at <paramref name="rate"/> per second for <paramref name="duration"/>, whatever the target's
    /// latency, with each request's intended start passed on so latency includes any wait behind a stall. At most
    /// <paramref name="maxInFlight"/> run at once; a request that cannot start then is counted by <paramref name="dropped"/>.
    /// </summary>
    public static async Task RunFixedRateAsync(
        double rate, TimeSpan duration, int maxInFlight, int seed,
        Func<Random, long, CancellationToken, Task> request, Action dropped, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        var random = new Random(seed);
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / rate;
        var total = (long)(rate * duration.TotalSeconds);
        var inFlight = 0;
        var running = new List<Task>();
        long sent = 0;
        while (sent < total && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            while (sent < total && start + (long)(sent * interval) <= now)
            {
                var scheduledAt = start + (long)(sent * interval);
                sent++;
                if (Volatile.Read(ref inFlight) >= maxInFlight)
                {
                    dropped();
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                var requestRandom = new Random(random.Next());
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await request(requestRandom, scheduledAt, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                    }
                }, CancellationToken.None));
            }
            if (running.Count > 4096)
            {
                running.RemoveAll(t => t.IsCompleted);
            }
            await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }
}
