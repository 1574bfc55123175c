namespace Flipkart.Catalog.Domain;

public enum ProductSort
{
    Relevance,
    PriceAsc,
    PriceDesc,
    Rating,
    Newest,
}

/// <summary>A validated search: every field is within bounds by the time the index sees it.</summary>
public sealed record SearchQuery(
    string? Text = null,
    string? CategoryId = null,
    IReadOnlySet<string>? Brands = null,
    decimal? MinPrice = null,
    decimal? MaxPrice = null,
    double? MinRating = null,
    ProductSort Sort = ProductSort.Relevance,
    int Page = 1,
    int PageSize = 20);

public sealed record FacetValue(string Value, string Label, int Count);

public sealed record SearchFacets(IReadOnlyList<FacetValue> Brands, IReadOnlyList<FacetValue> Categories);

/// <summary>
/// One page of hits. <see cref="MatchedAllTerms"/> is false when no product held every query term and the
/// results fall back to products matching any of them (still ranked), so a typo'd word does not empty the page.
/// </summary>
public sealed record SearchResult(
    IReadOnlyList<Product> Items,
    int Total,
    int Page,
    int PageSize,
    bool MatchedAllTerms,
    SearchFacets Facets);

public sealed record CategorySummary(string Id, string Name, int ProductCount);
