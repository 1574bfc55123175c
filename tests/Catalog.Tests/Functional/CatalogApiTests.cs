using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Client;
using Flipkart.Catalog.Apis;
using Flipkart.Catalog.Domain;
using Flipkart.Catalog.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;

using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Functional;

[Functional]
[Collection(CatalogCollection.Name)]
public class CatalogApiTests(CatalogApiFixture fixture)
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task SearchingSamsungPhoneCheapestFirstReturnsSamsungPhonesWithFacets()
    {
        using var client = fixture.App.CreateClient();

        var result = await client.GetFromJsonAsync<SearchResult>("/api/catalog/products?q=samsung%20phone&sort=price_asc&pageSize=50", Json, ct);

        Assert.NotNull(result);
        Assert.True(result.MatchedAllTerms);
        Assert.True(result.Total >= 20, $"only {result.Total} hits");
        Assert.All(result.Items, p => Assert.Equal(("Samsung", "mobiles"), (p.Brand, p.CategoryId)));
        Assert.Equal(result.Items.Select(p => p.Price).Order(), result.Items.Select(p => p.Price));
        Assert.Equal(("Samsung", result.Total), (result.Facets.Brands[0].Value, result.Facets.Brands[0].Count));
        Assert.Equal(("mobiles", "Mobiles"), (result.Facets.Categories[0].Value, result.Facets.Categories[0].Label));
    }

    [Fact]
    public async Task FiltersFacetsAndPagingWorkOverTheSeededCatalog()
    {
        using var client = fixture.App.CreateClient();

        var page1 = await client.GetFromJsonAsync<SearchResult>("/api/catalog/products?category=audio&brand=boAt,Noise&minPrice=500&maxPrice=5000&minRating=3.5&sort=price_desc&pageSize=10", Json, ct);
        var page2 = await client.GetFromJsonAsync<SearchResult>("/api/catalog/products?category=audio&brand=boAt,Noise&minPrice=500&maxPrice=5000&minRating=3.5&sort=price_desc&pageSize=10&page=2", Json, ct);

        Assert.True(page1!.Total > 10);
        Assert.Equal(page1.Total, page2!.Total);
        var items = page1.Items.Concat(page2.Items).ToArray();
        Assert.Equal(items.Length, items.DistinctBy(p => p.Id).Count());
        Assert.All(items, p =>
        {
            Assert.Equal("audio", p.CategoryId);
            Assert.Contains(p.Brand, new[] { "boAt", "Noise" });
            Assert.InRange(p.Price, 500m, 5000m);
            Assert.True(p.Rating >= 3.5);
        });
        Assert.Equal(items.Select(p => p.Price).OrderDescending(), items.Select(p => p.Price));
        // The brand facet still offers the other audio brands within the price and rating band.
        Assert.True(page1.Facets.Brands.Count > 2);
    }

    [Fact]
    public async Task CategoriesListEveryCategoryWithItsProductCount()
    {
        using var client = fixture.App.CreateClient();

        var categories = await client.GetFromJsonAsync<CategorySummary[]>("/api/catalog/categories", Json, ct);

        Assert.True(categories!.Length >= 20);
        Assert.Equal(CatalogSeed.DefaultProductCount, categories.Sum(c => c.ProductCount));
    }

    [Fact]
    public async Task ProductDetailIsServedAndCachedInTheDaprCacheStoreWithATtl()
    {
        using var client = fixture.App.CreateClient();
        var id = (await client.GetFromJsonAsync<SearchResult>("/api/catalog/products?q=boat%20earbuds&pageSize=1", Json, ct))!.Items[0].Id;

        var product = await client.GetFromJsonAsync<Product>($"/api/catalog/products/{id}", Json, ct);

        Assert.Equal(id, product!.Id);
        // HybridCache may finish its second-level write just after answering, so look for it with a bound.
        using var sidecar = fixture.Sidecar.CreateHttpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        HttpResponseMessage cached;
        while ((cached = await sidecar.GetAsync($"/v1.0/state/{DaprComponents.Cache}/{Uri.EscapeDataString(ProductDetails.CacheKey(id))}", timeout.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(50, timeout.Token);
        }
        var expires = DateTimeOffset.Parse(Assert.Single(cached.Headers.GetValues("metadata.ttlExpireTime")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(301));
    }

    [Fact]
    public async Task UnknownProductsAre404AndMalformedIdsAre400()
    {
        using var client = fixture.App.CreateClient();

        var missing = await client.GetAsync("/api/catalog/products/NOPE000404", ct);
        var malformed = await client.GetAsync("/api/catalog/products/bad%20id!", ct);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task BatchReturnsFoundProductsAndNamesTheMissingOnes()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.PostAsJsonAsync("/api/catalog/products/batch", new { ids = new[] { "MOB000001", "LAP000002", "MOB000001", "NOPE000404" } }, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = await response.Content.ReadFromJsonAsync<ProductBatch>(Json, ct);
        Assert.Equal(["LAP000002", "MOB000001"], batch!.Products.Select(p => p.Id).Order());
        Assert.Equal(["NOPE000404"], batch.Missing);
    }

    [Theory]
    [InlineData("{\"ids\":[]}")]
    [InlineData("{}")]
    [InlineData("{\"ids\":[\"bad id\"]}")]
    [InlineData("{\"ids\":[\"MOB000001\"],\"extra\":1}")]
    [InlineData("{\"ids\":\"MOB000001\"}")]
    public async Task BatchRejectsMalformedRequestsWith400(string body)
    {
        using var client = fixture.App.CreateClient();

        var response = await client.PostAsync("/api/catalog/products/batch", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task BatchIsBoundedToOneHundredIds()
    {
        using var client = fixture.App.CreateClient();
        var ids = Enumerable.Range(1, 101).Select(i => $"MOB{i:D6}").ToArray();

        var tooMany = await client.PostAsJsonAsync("/api/catalog/products/batch", new { ids }, ct);
        var justRight = await client.PostAsJsonAsync("/api/catalog/products/batch", new { ids = ids[..100] }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(100, (await justRight.Content.ReadFromJsonAsync<ProductBatch>(Json, ct))!.Products.Count);
    }

    [Theory]
    [InlineData("page=-1", "page")]
    [InlineData("q=LONG", "q")]
    [InlineData("sort=cheapest", "sort")]
    [InlineData("minPrice=abc", "minPrice")]
    [InlineData("maxPrice=12abc", "maxPrice")]
    [InlineData("pageSize=1000", "pageSize")]
    [InlineData("minPrice=500&maxPrice=100", "minPrice")]
    public async Task BadSearchInputIsA400ProblemNamingTheField(string query, string field)
    {
        using var client = fixture.App.CreateClient();
        query = query.Replace("LONG", new string('a', 10 * 1024));

        var response = await client.GetAsync($"/api/catalog/products?{query}", ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(ct);
        Assert.Contains(field, problem!.Errors.Keys);
    }

    [Fact]
    public async Task EditingAProductNeedsAnAdmin()
    {
        var update = ValidUpdate("MOB000003", 12_345m);

        using var anonymous = fixture.App.CreateClient();
        using var customer = fixture.App.CreateClient("u-1", "customer");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/api/catalog/products/MOB000003", update, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.PutAsJsonAsync("/api/catalog/products/MOB000003", update, ct)).StatusCode);
    }

    [Fact]
    public async Task EditsAreValidatedAndUnknownProductsAre404()
    {
        using var admin = fixture.App.CreateClient("ops-1", "admin");

        var invalid = await admin.PutAsJsonAsync("/api/catalog/products/MOB000007", ValidUpdate("MOB000007", -1m) with { CategoryId = "nope" }, ct);
        var unknown = await admin.PutAsJsonAsync("/api/catalog/products/NOPE000404", ValidUpdate("NOPE000404", 100m), ct);

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["categoryId", "price"], (await invalid.Content.ReadFromJsonAsync<ValidationProblemDetails>(ct))!.Errors.Keys.Order());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ARestartedReplicaLoadsTheCatalogFromTheStoreWithoutReseeding()
    {
        using var dapr = fixture.Sidecar.CreateDaprClient();
        var manifest = await dapr.GetStateAsync<CatalogManifest>(DaprComponents.CatalogStore, "catalog-manifest", cancellationToken: ct);

        var (second, replica) = await fixture.StartReplicaAsync();
        await using var _ = second;
        using var client = second.CreateClient();
        await Eventually.TrueAsync(async () => (await client.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.OK, "the new replica to load its index", TimeSpan.FromSeconds(180));
        var categories = await client.GetFromJsonAsync<CategorySummary[]>("/api/catalog/categories", Json, ct);

        Assert.Equal(CatalogSeed.DefaultProductCount, categories!.Sum(c => c.ProductCount));
        var after = await dapr.GetStateAsync<CatalogManifest>(DaprComponents.CatalogStore, "catalog-manifest", cancellationToken: ct);
        Assert.Equal(manifest.SeededAt, after.SeededAt);
        await replica.StopAsync();
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheCatalogRoutes()
    {
        using var client = fixture.App.CreateClient();

        var document = await client.GetStringAsync("/openapi/v1.json", ct);

        Assert.Contains("/api/catalog/products/{id}", document);
        Assert.Contains("/api/catalog/products/batch", document);
    }

    internal static ProductUpdate ValidUpdate(string id, decimal price) => new(
        "Zorblax Hyperphone Ultra", "Samsung", "mobiles", "A test phone", price, Math.Max(price, 2_000m), $"https://images.example.com/catalog/{id}.webp");
}
