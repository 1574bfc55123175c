using System.Net;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// Reads an app's programmatic subscriptions once it is up: <c>GET /dapr/subscribe</c> with <c>dapr-app-id</c> (and the
/// app token), up to 3 retries with backoff like daprd's initialization policy. 200 → parsed, 404 → none, other → none
/// (logged). An invalid CEL <c>match</c> is not swallowed: it aborts, naming the expression.
/// </summary>
public static class SubscriptionDiscovery
{
    public static async Task<IReadOnlyList<Subscription>> ReadAsync(
        HttpClient client, Uri appBaseAddress, string appId, string? appApiToken, ILogger logger, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(appBaseAddress, "/dapr/subscribe"));
                request.Headers.TryAddWithoutValidation("dapr-app-id", appId);
                if (!string.IsNullOrEmpty(appApiToken))
                {
                    request.Headers.TryAddWithoutValidation("dapr-api-token", appApiToken);
                }

                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return [];
                }

                if (!response.IsSuccessStatusCode)
                {
                    logger.LogError("{App}: /dapr/subscribe answered {Status}; no programmatic subscriptions", appId, (int)response.StatusCode);
                    return [];
                }

                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                return SubscriptionParser.ParseProgrammatic(body);
            }
            catch (HttpRequestException ex) when (attempt < 3)
            {
                logger.LogDebug("{App}: /dapr/subscribe not reachable yet ({Error}); retrying", appId, ex.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
            catch (HttpRequestException ex)
            {
                logger.LogError("{App}: /dapr/subscribe failed: {Error}; no programmatic subscriptions", appId, ex.Message);
                return [];
            }
        }
    }
}
