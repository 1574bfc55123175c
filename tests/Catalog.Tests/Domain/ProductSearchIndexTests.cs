using Flipkart.Catalog.Domain;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Domain;

[Unit]
public class ProductSearchIndexTests
{
    private readonly ProductSearchIndex index = TestCatalog.Small();

    [Fact]
    public void Search_RequiresEveryTerm_WhenSomeProductHasThemAll()
    {
        var result = index.Search(new SearchQuery("samsung phone"));

        Assert.True(result.MatchedAllTerms);
        Assert.Equal(["P1", "P5"], result.Items.Select(p => p.Id).Order());
    }

    [Fact]
    public void Search_RanksTitleMatchesAboveDescriptionOnlyMatches()
    {
        var result = index.Search(new SearchQuery("phone"));

        // P3 and P5 say "phone" in the title; P1 and P4 only in the description.
        var ids = result.Items.Select(p => p.Id).ToList();
        Assert.Equal(4, ids.Count);
        Assert.True(ids.IndexOf("P3") < ids.IndexOf("P1"));
        Assert.True(ids.IndexOf("P5") < ids.IndexOf("P4"));
    }

    [Fact]
    public void Search_FallsBackToAnyTerm_WhenNoProductHasAll()
    {
        var result = index.Search(new SearchQuery("samsung zzzunknown"));

        Assert.False(result.MatchedAllTerms);
        Assert.Equal(["P1", "P2", "P5"], result.Items.Select(p => p.Id).Order());
    }

    [Fact]
    public void Search_ReturnsNothing_WhenNoTermIsKnown()
    {
        var result = index.Search(new SearchQuery("qwertyuiop"));

        Assert.Empty(result.Items);
        Assert.Equal(0, result.Total);
    }

    [Fact]
    public void Search_FoldsPlurals_SoPhonesFindsPhone()
    {
        Assert.Equal(index.Search(new SearchQuery("phone")).Total, index.Search(new SearchQuery("Phones")).Total);
    }

    [Theory]
    [InlineData(ProductSort.PriceAsc, new[] { "P1", "P5" })]
    [InlineData(ProductSort.PriceDesc, new[] { "P5", "P1" })]
    [InlineData(ProductSort.Newest, new[] { "P5", "P1" })]
    [InlineData(ProductSort.Rating, new[] { "P5", "P1" })]
    public void Search_OrdersBySort(ProductSort sort, string[] expected)
    {
        var result = index.Search(new SearchQuery("samsung phone", Sort: sort));

        Assert.Equal(expected, result.Items.Select(p => p.Id));
    }

    [Fact]
    public void Search_WithoutText_OrdersRelevanceByPopularity()
    {
        var result = index.Search(new SearchQuery());

        Assert.Equal(["P4", "P3", "P1", "P2", "P5", "P6"], result.Items.Select(p => p.Id));
    }

    [Fact]
    public void Search_AppliesPriceRatingCategoryAndBrandFilters()
    {
        Assert.Equal(["P1", "P3"], Ids(new SearchQuery(CategoryId: "mobiles", MaxPrice: 20000m, Sort: ProductSort.PriceDesc)));
        Assert.Equal(["P2", "P5"], Ids(new SearchQuery(MinPrice: 30000m, Sort: ProductSort.PriceAsc)));
        Assert.Equal(["P5", "P2", "P1"], Ids(new SearchQuery(MinRating: 4.2, Sort: ProductSort.Rating)));
        Assert.Equal(["P4", "P6"], Ids(new SearchQuery(Brands: new HashSet<string>(["BOAT", "noise"], StringComparer.OrdinalIgnoreCase), Sort: ProductSort.PriceAsc)));
        Assert.Empty(Ids(new SearchQuery(CategoryId: "no-such-category")));
    }

    [Fact]
    public void Facets_CountEachDimensionUnderTheOtherFilters()
    {
        var result = index.Search(new SearchQuery(CategoryId: "mobiles", Brands: new HashSet<string>(["Samsung"])));

        Assert.Equal(2, result.Total);
        // Brand facet ignores the brand filter but honours the category: every mobile brand stays visible.
        Assert.Equal([("Samsung", 2), ("Xiaomi", 1)], result.Facets.Brands.Select(f => (f.Value, f.Count)));
        // Category facet ignores the category filter but honours the brand.
        Assert.Equal([("mobiles", 2), ("tvs", 1)], result.Facets.Categories.Select(f => (f.Value, f.Count)));
        Assert.Equal("Mobiles", result.Facets.Categories[0].Label);
    }

    [Fact]
    public void Paging_SlicesTheOrderedHits_AndKeepsTheTotal()
    {
        var all = Ids(new SearchQuery(Sort: ProductSort.PriceAsc, PageSize: 100));
        var page2 = index.Search(new SearchQuery(Sort: ProductSort.PriceAsc, Page: 2, PageSize: 4));
        var beyond = index.Search(new SearchQuery(Sort: ProductSort.PriceAsc, Page: 9, PageSize: 4));

        Assert.Equal(all.Skip(4), page2.Items.Select(p => p.Id));
        Assert.Equal(6, page2.Total);
        Assert.Empty(beyond.Items);
        Assert.Equal(6, beyond.Total);
    }

    [Fact]
    public void With_ReplacesAProduct_AndReindexesItsText()
    {
        var changed = TestCatalog.Make("P6", "Noise Buds VS104 Phone Earbuds", "Noise", "audio", 999);

        var next = index.With(changed);

        Assert.Equal(6, next.Count);
        Assert.Contains("P6", next.Search(new SearchQuery("buds")).Items.Select(p => p.Id));
        Assert.Empty(index.Search(new SearchQuery("buds")).Items);
        Assert.Equal(999m, next.Find("P6")!.Price);
    }

    [Fact]
    public void Rebuild_PicksUpChangedProducts_AndHasSameProductsSpotsThem()
    {
        var changed = index.Products.Select(p => p.Id == "P4" ? p with { Title = "boAt Rockerz 255 Neckband" } : p with { }).ToArray();

        Assert.True(index.HasSameProducts(index.Products.Select(p => p with { }).ToArray()));
        Assert.False(index.HasSameProducts(changed));
        Assert.False(index.HasSameProducts(changed[..^1]));
        var next = index.Rebuild(changed);
        Assert.Equal(["P4"], next.Search(new SearchQuery("rockerz")).Items.Select(p => p.Id));
        Assert.Equal(index.Search(new SearchQuery("samsung phone")).Items.Select(p => p.Id), next.Search(new SearchQuery("samsung phone")).Items.Select(p => p.Id));
    }

    [Fact]
    public void CategorySummaries_CountProductsPerCategory()
    {
        Assert.Equal([("mobiles", 3), ("tvs", 1), ("audio", 2)], index.CategorySummaries().Select(c => (c.Id, c.ProductCount)));
    }

    [Fact]
    public void Search_OnTheSeededCatalog_PutsSamsungPhonesFirst()
    {
        var seeded = ProductSearchIndex.Build(CatalogSeed.Generate().ToArray(), CatalogSeed.Categories);

        var result = seeded.Search(new SearchQuery("samsung phone", PageSize: 20));

        Assert.True(result.Total > 20);
        Assert.All(result.Items, p => Assert.Equal(("Samsung", "mobiles"), (p.Brand, p.CategoryId)));
        Assert.Equal("Samsung", result.Facets.Brands[0].Value);
    }

    private string[] Ids(SearchQuery query) => index.Search(query).Items.Select(p => p.Id).ToArray();
}
