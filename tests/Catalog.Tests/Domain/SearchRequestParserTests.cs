using Flipkart.Catalog.Domain;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Domain;

[Unit]
public class SearchRequestParserTests
{
    private static readonly SearchLimits Limits = new();

    [Fact]
    public void TryParse_AcceptsAFullValidRequest()
    {
        var ok = SearchRequestParser.TryParse(
            new RawSearchRequest(" samsung phone ", "mobiles", "Samsung, Xiaomi", "1000", "50000.50", "4.2", "PRICE_ASC", "3", "50"),
            Limits, out var query, out var errors);

        Assert.True(ok, string.Join("; ", errors.Keys));
        Assert.Equal(new SearchQuery("samsung phone", "mobiles", query.Brands, 1000m, 50000.50m, 4.2, ProductSort.PriceAsc, 3, 50), query);
        Assert.Equal(["Samsung", "Xiaomi"], query.Brands!.Order());
    }

    [Fact]
    public void TryParse_UsesDefaults_WhenNothingIsGiven()
    {
        Assert.True(SearchRequestParser.TryParse(new RawSearchRequest(), Limits, out var query, out _));
        Assert.Equal(new SearchQuery(PageSize: 20), query);
    }

    [Theory]
    [InlineData("page", "-1")]
    [InlineData("page", "0")]
    [InlineData("page", "501")]
    [InlineData("page", "two")]
    [InlineData("pageSize", "0")]
    [InlineData("pageSize", "101")]
    [InlineData("sort", "cheapest")]
    [InlineData("minPrice", "abc")]
    [InlineData("minPrice", "-5")]
    [InlineData("maxPrice", "1e400")]
    [InlineData("minRating", "6")]
    [InlineData("minRating", "NaN")]
    public void TryParse_RejectsOutOfBoundsValues(string field, string value)
    {
        var raw = field switch
        {
            "page" => new RawSearchRequest(Page: value),
            "pageSize" => new RawSearchRequest(PageSize: value),
            "sort" => new RawSearchRequest(Sort: value),
            "minPrice" => new RawSearchRequest(MinPrice: value),
            "maxPrice" => new RawSearchRequest(MaxPrice: value),
            _ => new RawSearchRequest(MinRating: value),
        };

        Assert.False(SearchRequestParser.TryParse(raw, Limits, out _, out var errors));
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void TryParse_RejectsAQueryLongerThanTheLimit()
    {
        Assert.False(SearchRequestParser.TryParse(new RawSearchRequest(Q: new string('x', 10 * 1024)), Limits, out _, out var errors));
        Assert.Contains("q", errors.Keys);
        Assert.True(SearchRequestParser.TryParse(new RawSearchRequest(Q: new string('x', 200)), Limits, out _, out _));
    }

    [Fact]
    public void TryParse_RejectsMinPriceAboveMaxPrice()
    {
        Assert.False(SearchRequestParser.TryParse(new RawSearchRequest(MinPrice: "500", MaxPrice: "100"), Limits, out _, out var errors));
        Assert.Equal(["minPrice"], errors.Keys);
    }

    [Fact]
    public void TryParse_ReportsEveryBadField_AtOnce()
    {
        Assert.False(SearchRequestParser.TryParse(new RawSearchRequest(Sort: "x", Page: "-1", MinPrice: "abc"), Limits, out _, out var errors));
        Assert.Equal(["minPrice", "page", "sort"], errors.Keys.Order());
    }
}
