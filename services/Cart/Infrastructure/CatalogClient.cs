using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flipkart.Cart.Domain;

namespace Flipkart.Cart.Infrastructure;

/// <summary>Reads products from Catalog through Dapr service invocation: the only source of cart prices.</summary>
public sealed class CatalogClient(HttpClient http, ILogger<CatalogClient> logger)
{
    // Catalog's product carries more than a cart needs; read it tolerantly so its additions never break carts.
    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

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
            throw new CatalogUnavailableException();
        }

        var product = await response.Content.ReadFromJsonAsync<CatalogProduct>(ReadOptions, cancellationToken);
        if (product is null || string.IsNullOrWhiteSpace(product.Title) || product.Price <= 0)
        {
            throw new CatalogUnavailableException();
        }
        return new ProductSnapshot(product.Title, product.Price, product.Mrp);
    }

    private sealed record CatalogProduct(string Title, decimal Price, decimal? Mrp);
}

public sealed class CatalogUnavailableException() : Exception("Catalog could not be reached.");
