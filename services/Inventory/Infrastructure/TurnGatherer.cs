using System.Collections.Concurrent;
using System.Diagnostics;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Gathers calls to one key (an actor) that arrive while a call to that key is in flight, and sends them as the next
/// call, together. An actor runs one turn at a time, so a hot SKU's buyers otherwise queue one turn each: with a
/// hundred in flight, the last waits a hundred turns. Gathered, it waits for the turn in flight and its own.
/// Nothing waits on a timer: a call to an idle key is sent at once, alone.
/// </summary>
public sealed class TurnGatherer<TItem, TResult>(Func<string, TItem[], Task<TResult[]>> send, int maxPerCall)
{
    private readonly ConcurrentDictionary<string, Lane> lanes = new(StringComparer.Ordinal);

    public Task<TResult> SendAsync(string key, TItem item)
    {
        var call = new Call(item, Activity.Current);
        while (true)
        {
            var lane = lanes.GetOrAdd(key, static _ => new Lane());
            lock (lane)
            {
                if (lane.Retired)
                {
                    continue; // emptied and removed while this call looked it up: take the key's new lane
                }
                lane.Waiting.Add(call);
                if (lane.Sending)
                {
                    return call.Result.Task;
                }
                lane.Sending = true;
            }
            _ = DrainAsync(key, lane);
            return call.Result.Task;
        }
    }

    private async Task DrainAsync(string key, Lane lane)
    {
        while (true)
        {
            Call[] calls;
            lock (lane)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Sending = false;
                    lane.Retired = true;
                    lanes.TryRemove(new KeyValuePair<string, Lane>(key, lane));
                    return;
                }
                var count = Math.Min(lane.Waiting.Count, maxPerCall);
                calls = [.. lane.Waiting.GetRange(0, count)];
                lane.Waiting.RemoveRange(0, count);
            }

            // The call goes out in the trace of the first caller it carries.
            Activity.Current = calls[0].Parent;
            try
            {
                var results = await send(key, [.. calls.Select(c => c.Item)]).ConfigureAwait(false);
                if (results.Length != calls.Length)
                {
                    throw new InvalidOperationException($"Sent {calls.Length} items to {key}, got {results.Length} answers.");
                }
                for (var i = 0; i < calls.Length; i++)
                {
                    calls[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var call in calls)
                {
                    call.Result.TrySetException(ex);
                }
            }
        }
    }

    private sealed class Lane
    {
        public List<Call> Waiting { get; } = [];

        public bool Sending { get; set; }

        public bool Retired { get; set; }
    }

    private sealed record Call(TItem Item, Activity? Parent)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
