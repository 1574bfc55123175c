using System.Net;
using System.Text.Json;
using Flipkart.Notification.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.Infrastructure;

/// <summary>
/// Asks ordering (service invocation, acting as the caller) whether an order exists for that user. Used when a
/// client opens a status stream before notification has seen any event of the order.
/// </summary>
public sealed class OrderingClient(HttpClient http, ILogger<OrderingClient> logger)
{
    /// <summary>The order's current status if the caller owns it; null if ordering says it is not theirs or unknown.</summary>
    public async Task<OrderStatus?> FindOwnedOrderStatusAsync(Guid orderId, string userId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}");
        request.Headers.Add(CallerIdentity.UserIdHeader, userId);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound || !response.IsSuccessStatusCode)
            {
                return null;
            }

            // Read only the status, tolerantly: ordering's order resource is its own business.
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            // A status of the delivery timeline (Packed, Shipped…) is past this stream's statuses: the saga's outcome says where.
            var root = document.RootElement;
            return root.TryGetProperty("status", out var status) && Enum.TryParse<OrderStatus>(status.GetString(), ignoreCase: true, out var parsed)
                ? parsed
                : root.TryGetProperty("outcome", out var outcome) && Enum.TryParse<OrderStatus>(outcome.GetString(), ignoreCase: true, out var settled)
                    ? settled
                    : OrderStatus.Submitted;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not ask ordering about order {OrderId}", orderId);
            return null;
        }
    }
}
