namespace Flipkart.Catalog.Domain;

/// <summary>An admin's edit of a product's listing. Ratings and creation time are not editable.</summary>
public sealed record ProductUpdate(
    string Title,
    string Brand,
    string CategoryId,
    string Description,
    decimal Price,
    decimal Mrp,
    string ImageUrl,
    IReadOnlyDictionary<string, string>? Attributes = null)
{
    public Dictionary<string, string[]> Validate(Func<string, bool> categoryExists)
    {
        var errors = new Dictionary<string, string[]>();
        Require(errors, "title", Title, 200);
        Require(errors, "brand", Brand, 100);
        Require(errors, "description", Description, 5_000);
        if (string.IsNullOrWhiteSpace(CategoryId) || !categoryExists(CategoryId))
        {
            errors["categoryId"] = ["Unknown category."];
        }
        if (Price <= 0 || Price > 100_000_000m || decimal.Round(Price, 2) != Price)
        {
            errors["price"] = ["Price must be a positive amount of rupees with at most 2 decimals."];
        }
        if (Mrp < Price || Mrp > 100_000_000m || decimal.Round(Mrp, 2) != Mrp)
        {
            errors["mrp"] = ["MRP must be at least the price, with at most 2 decimals."];
        }
        if (!Uri.TryCreate(ImageUrl, UriKind.Absolute, out var image) || image.Scheme != Uri.UriSchemeHttps || ImageUrl.Length > 2_048)
        {
            errors["imageUrl"] = ["The image URL must be an absolute https URL."];
        }
        if (Attributes is { } attributes && (attributes.Count > 50 || attributes.Any(kv => kv.Key.Length is 0 or > 64 || kv.Value is null || kv.Value.Length > 256)))
        {
            errors["attributes"] = ["At most 50 attributes; names 1-64 and values up to 256 characters."];
        }
        return errors;
    }

    public Product ApplyTo(Product existing) => existing with
    {
        Title = Title.Trim(),
        Brand = Brand.Trim(),
        CategoryId = CategoryId.Trim().ToLowerInvariant(),
        Description = Description.Trim(),
        Price = Price,
        Mrp = Mrp,
        ImageUrl = ImageUrl,
        Attributes = Attributes is null ? existing.Attributes : new Dictionary<string, string>(Attributes, StringComparer.Ordinal),
    };

    private static void Require(Dictionary<string, string[]> errors, string name, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > max)
        {
            errors[name] = [$"{name} is required and may be at most {max} characters."];
        }
    }
}
