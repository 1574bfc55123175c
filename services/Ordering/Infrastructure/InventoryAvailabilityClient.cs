using System.Net;
using System.Text.Json;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// Reads <c>GET /api/inventory/{productId}/availability</c> from the <c>inventory</c> app through Dapr service
/// invocation. The endpoint is anonymous, so no user is forwarded.
/// </summary>
public sealed class InventoryAvailabilityClient(IHttpClientFactory clients, ILogger<InventoryAvailabilityClient> logger) : IAvailabilitySource
{
    public async Task<AvailabilityLookup> GetAsync(string productId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(AppIds.Inventory)
                .GetAsync($"api/inventory/{Uri.EscapeDataString(productId)}/availability", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new AvailabilityLookup.NotFound();
            }
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Inventory answered {Status} to an availability read", (int)response.StatusCode);
                return new AvailabilityLookup.Failed($"inventory answered {(int)response.StatusCode}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var document = await JsonSerializer.DeserializeAsync<AvailabilityDocument>(body, TolerantJson.Options, cancellationToken);
            if (document?.Status is not { } status || !string.Equals(document.ProductId, productId, StringComparison.Ordinal))
            {
                return new AvailabilityLookup.Failed("inventory answered an unreadable availability");
            }
            return new AvailabilityLookup.Found(new ProductAvailability(productId, status, document.Available, document.PerUserLimit));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            logger.LogWarning(ex, "Availability of {ProductId} could not be read", productId);
            return new AvailabilityLookup.Failed(ex.GetType().Name);
        }
    }

    private sealed record AvailabilityDocument(string? ProductId, StockStatus? Status, int Available, int? PerUserLimit);
}
