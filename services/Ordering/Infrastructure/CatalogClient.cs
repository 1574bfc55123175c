using System.Text.Json;
using System.Net.Http.Json;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

public sealed record CatalogPrice(string Id, string Title, decimal Price);

/// <summary>Quotes current prices from the <c>catalog</c> app (batch lookup); an order is never priced by the client.</summary>
public sealed class CatalogClient(IHttpClientFactory clients, ILogger<CatalogClient> logger)
{
    public async Task<IReadOnlyDictionary<string, CatalogPrice>> GetPricesAsync(IReadOnlyCollection<string> productIds, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient(AppIds.Catalog)
            .PostAsJsonAsync("api/catalog/products/batch", new BatchRequest([.. productIds]), TolerantJson.Options, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Catalog answered {Status} to a price lookup", (int)response.StatusCode);
            throw new DependencyUnavailableException($"The catalog service answered {(int)response.StatusCode}.");
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var products = ProductArray(document.RootElement)
                .Select(p => p.Deserialize<CatalogProduct>(TolerantJson.Options))
                .Where(p => p is { Title: not null } && p.Price >= 0 && IdOf(p.Id).Length > 0)
                .Select(p => new CatalogPrice(IdOf(p!.Id), p.Title!, p.Price));
            return products.ToDictionary(p => p.Id, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new DependencyUnavailableException("The catalog service answered an unreadable product list.", ex);
        }
    }

    // The batch endpoint answers {"products": [...], "missing": [ids]}; ids it doesn't know are simply not priced.
    private static IEnumerable<JsonElement> ProductArray(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array
            ? products.EnumerateArray()
            : throw new JsonException("Expected an object with a 'products' array.");

    // Product ids are opaque strings to ordering; tolerate a catalog that writes them as numbers.
    private static string IdOf(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => id.GetString() ?? "",
        JsonValueKind.Number => id.GetRawText(),
        _ => "",
    };

    private sealed record BatchRequest(IReadOnlyList<string> Ids);

    private sealed record CatalogProduct(JsonElement Id, string? Title, decimal Price);
}
