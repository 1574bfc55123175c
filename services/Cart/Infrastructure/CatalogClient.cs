using System.Net;
using Flipkart.Cart.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.Infrastructure;

/// <summary>Reads products from Catalog through Dapr service invocation: the only source of cart prices.</summary>
public sealed class CatalogClient(HttpClient http, ILogger<CatalogClient> logger)
{
    /// <summary>The product now, or null when Catalog does not know it.</summary>
    public async Task<ProductSnapshot?> FindProductAsync(string productId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/catalog/products/{Uri.EscapeDataString(productId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Catalog answered {Status} for product {ProductId}", (int)response.StatusCode, productId);
            throw new DependencyUnavailableException($"Catalog answered {(int)response.StatusCode} for product {productId}.");
        }

        // Catalog's product carries more than a cart needs; read it tolerantly so its additions never break carts.
        CatalogProduct? product;
        try
        {
            product = await response.Content.ReadFromJsonAsync<CatalogProduct>(TolerantJson.Options, cancellationToken);
        }
        catch (System.Text.Json.JsonException ex)
        {
            // The catalog's fault, not the client's: an outage (503), never a 400.
            throw new DependencyUnavailableException($"Catalog answered an unreadable product {productId}.", ex);
        }
        if (product is null || string.IsNullOrWhiteSpace(product.Title) || product.Price <= 0)
        {
            throw new DependencyUnavailableException($"Catalog answered an unusable product {productId}.");
        }
        return new ProductSnapshot(product.Title, product.Price, product.Mrp);
    }

    private sealed record CatalogProduct(string Title, decimal Price, decimal? Mrp);
}
