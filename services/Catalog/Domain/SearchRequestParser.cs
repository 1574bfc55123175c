using System.Globalization;

namespace Flipkart.Catalog.Domain;

/// <summary>Bounds a search must respect; they come from <c>CatalogOptions</c>.</summary>
public sealed record SearchLimits(int MaxQueryLength = 200, int DefaultPageSize = 20, int MaxPageSize = 100, int MaxPage = 500);

/// <summary>
/// Parses raw query-string values into a <see cref="SearchQuery"/>. Values arrive as strings so that a
/// non-numeric price is reported as a validation error with its field name, not as a bare binding failure.
/// </summary>
public static class SearchRequestParser
{
    private static readonly Dictionary<string, ProductSort> Sorts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["relevance"] = ProductSort.Relevance,
        ["price_asc"] = ProductSort.PriceAsc,
        ["price_desc"] = ProductSort.PriceDesc,
        ["rating"] = ProductSort.Rating,
        ["newest"] = ProductSort.Newest,
    };

    public static string SortValues => string.Join(", ", Sorts.Keys);

    public static bool TryParse(RawSearchRequest raw, SearchLimits limits, out SearchQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        query = new SearchQuery();

        var text = raw.Q?.Trim();
        if (text?.Length > limits.MaxQueryLength)
        {
            errors["q"] = [$"The query may be at most {limits.MaxQueryLength} characters."];
        }

        var category = Blank(raw.Category);
        if (category is { Length: > 64 })
        {
            errors["category"] = ["The category id is too long."];
        }

        HashSet<string>? brands = null;
        if (Blank(raw.Brand) is { } brandList)
        {
            brands = brandList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (brandList.Length > 512 || brands.Count > 20)
            {
                errors["brand"] = ["At most 20 brands (512 characters) may be given."];
            }
        }

        var minPrice = ParseMoney(raw.MinPrice, "minPrice", errors);
        var maxPrice = ParseMoney(raw.MaxPrice, "maxPrice", errors);
        if (minPrice is { } lo && maxPrice is { } hi && lo > hi)
        {
            errors["minPrice"] = ["minPrice must not exceed maxPrice."];
        }

        double? minRating = null;
        if (Blank(raw.MinRating) is { } ratingText)
        {
            if (double.TryParse(ratingText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rating) && rating is >= 0 and <= 5)
            {
                minRating = rating;
            }
            else
            {
                errors["minRating"] = ["minRating must be a number from 0 to 5."];
            }
        }

        var sort = ProductSort.Relevance;
        if (Blank(raw.Sort) is { } sortText && !Sorts.TryGetValue(sortText, out sort))
        {
            errors["sort"] = [$"Unknown sort. Use one of: {SortValues}."];
        }

        var page = ParseInt(raw.Page, "page", 1, 1, limits.MaxPage, errors);
        var pageSize = ParseInt(raw.PageSize, "pageSize", limits.DefaultPageSize, 1, limits.MaxPageSize, errors);

        if (errors.Count > 0)
        {
            return false;
        }

        query = new SearchQuery(Blank(text), category, brands, minPrice, maxPrice, minRating, sort, page, pageSize);
        return true;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static decimal? ParseMoney(string? raw, string name, Dictionary<string, string[]> errors)
    {
        if (Blank(raw) is not { } text)
        {
            return null;
        }
        if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= 100_000_000m)
        {
            return value;
        }
        errors[name] = [$"{name} must be a number of rupees from 0 to 10,00,00,000."];
        return null;
    }

    private static int ParseInt(string? raw, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (Blank(raw) is not { } text)
        {
            return fallback;
        }
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors[name] = [$"{name} must be a whole number from {min} to {max}."];
        return fallback;
    }
}

/// <summary>The search endpoint's query string exactly as the client sent it.</summary>
public sealed record RawSearchRequest(
    string? Q = null,
    string? Category = null,
    string? Brand = null,
    string? MinPrice = null,
    string? MaxPrice = null,
    string? MinRating = null,
    string? Sort = null,
    string? Page = null,
    string? PageSize = null);
