using System.Net;
using System.Text.Json;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

public sealed record CartItem(string ProductId, int Quantity);

/// <summary>Reads the caller's cart from the <c>cart</c> app through Dapr service invocation, acting as the user.</summary>
public sealed class CartClient(IHttpClientFactory clients, ILogger<CartClient> logger)
{
    public async Task<IReadOnlyList<CartItem>> GetItemsAsync(string userId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/cart");
        request.Headers.Add(CallerIdentity.UserIdHeader, userId);
        using var response = await clients.CreateClient(AppIds.Cart).SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Cart answered {Status} for a checkout", (int)response.StatusCode);
            throw new DependencyUnavailableException($"The cart service answered {(int)response.StatusCode}.");
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var cart = await JsonSerializer.DeserializeAsync<CartDocument>(body, TolerantJson.Options, cancellationToken);
            return [.. (cart?.Lines ?? []).Where(l => !string.IsNullOrEmpty(l.ProductId)).Select(l => new CartItem(l.ProductId!, l.Quantity))];
        }
        catch (JsonException ex)
        {
            throw new DependencyUnavailableException("The cart service answered an unreadable cart.", ex);
        }
    }

    // Only what checkout needs; prices in the cart are display snapshots and are re-quoted from Catalog.
    private sealed record CartDocument(List<CartLine>? Lines);

    private sealed record CartLine(string? ProductId, int Quantity);
}
