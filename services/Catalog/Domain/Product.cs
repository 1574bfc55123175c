namespace Flipkart.Catalog.Domain;

/// <summary>A sellable product. Prices are whole rupees held as decimal so no money is ever a float.</summary>
public sealed record Product(
    string Id,
    string Title,
    string Brand,
    string CategoryId,
    string Description,
    decimal Price,
    decimal Mrp,
    double Rating,
    int RatingCount,
    string ImageUrl,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset CreatedAt)
{
    /// <summary>Discount off MRP in whole percent, as shoppers see it on the listing.</summary>
    public int DiscountPercent => Mrp <= 0 || Price >= Mrp ? 0 : (int)Math.Floor((Mrp - Price) * 100m / Mrp);

    /// <summary>Value equality including attributes (records compare dictionaries by reference).</summary>
    public bool HasSameListing(Product other) =>
        this with { Attributes = other.Attributes } == other
        && Attributes.Count == other.Attributes.Count
        && Attributes.All(kv => other.Attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

public sealed record Category(string Id, string Name);
