using System.Net;
using System.Text.Json;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Asks ordering (service invocation, as the order's buyer) for an order's outcome: <c>GET api/orders/{id}</c>, the same
/// read notification makes. Only the outcome is read, tolerantly: the order resource is ordering's business.
/// </summary>
public sealed class OrderingOrderOutcomes(IHttpClientFactory clients, ILogger<OrderingOrderOutcomes> logger) : IOrderOutcomes
{
    public async Task<OrderOutcome> GetAsync(Guid orderId, string? userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return OrderOutcome.Unknown; // ordering answers only an order's buyer
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}");
        request.Headers.Add(CallerIdentity.UserIdHeader, userId);
        try
        {
            using var response = await clients.CreateClient(AppIds.Ordering).SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return OrderOutcome.NotFound;
            }
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Ordering answered {Status} for order {OrderId}", (int)response.StatusCode, orderId);
                return OrderOutcome.Unknown;
            }
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            // The saga's outcome, not the delivery timeline that follows it (a packed or returned order was confirmed).
            return document.RootElement.TryGetProperty("outcome", out var outcome) ? Parse(outcome.GetString()) : OrderOutcome.Unknown;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning(ex, "Could not ask ordering about order {OrderId}", orderId);
            return OrderOutcome.Unknown;
        }
    }

    private static OrderOutcome Parse(string? status) => status switch
    {
        "Confirmed" => OrderOutcome.Confirmed,
        "Cancelled" => OrderOutcome.Cancelled,
        "Pending" => OrderOutcome.Pending,
        _ => OrderOutcome.Unknown,
    };
}
