using System.Collections.Concurrent;
using Flipkart.Storefront.Gateway;

namespace Flipkart.Storefront.Apis;

/// <summary>
/// Joins concurrent submissions of one checkout (same user, same Idempotency-Key) in this process: the second waits
/// for the first one's answer instead of sending a duplicate. Across storefront replicas the gateway's idempotency
/// (409 while in progress, then a replay) does the same job.
/// </summary>
public static class Checkouts
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<ApiResult<OrderAccepted>>>> InFlight = new(StringComparer.Ordinal);

    public static async Task<ApiResult<OrderAccepted>> PlaceOnceAsync(string userId, string key, Func<Task<ApiResult<OrderAccepted>>> place)
    {
        var id = userId + "\n" + key;
        var attempt = InFlight.GetOrAdd(id, _ => new Lazy<Task<ApiResult<OrderAccepted>>>(place));
        try
        {
            return await attempt.Value;
        }
        finally
        {
            // Later submissions of the same form go to the gateway again and get its stored replay.
            InFlight.TryRemove(new KeyValuePair<string, Lazy<Task<ApiResult<OrderAccepted>>>>(id, attempt));
        }
    }
}
