using Flipkart.Catalog.Domain;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Domain;

[Unit]
public class ProductUpdateTests
{
    private static readonly ProductUpdate Valid = new("Title", "Brand", "mobiles", "Description", 999m, 1499m, "https://images.example.com/x.webp");

    [Fact]
    public void Validate_AcceptsAValidUpdate()
    {
        Assert.Empty(Valid.Validate(_ => true));
    }

    [Fact]
    public void Validate_NamesEveryBadField()
    {
        var bad = new ProductUpdate("", "Brand", "nope", "Description", -1m, 10m, "http://insecure.example.com/x.webp");

        var errors = bad.Validate(id => id == "mobiles");

        Assert.Equal(["categoryId", "imageUrl", "price", "title"], errors.Keys.Order());
    }

    [Fact]
    public void Validate_RejectsMrpBelowPrice()
    {
        Assert.Equal(["mrp"], (Valid with { Mrp = 500m }).Validate(_ => true).Keys);
    }

    [Fact]
    public void ApplyTo_KeepsRatingsAndCreationTime()
    {
        var existing = TestCatalog.Make("P1", "Old", "Old", "mobiles", 100m, rating: 4.5, ratingCount: 77);

        var updated = Valid.ApplyTo(existing);

        Assert.Equal(("Title", 999m, 4.5, 77, existing.CreatedAt), (updated.Title, updated.Price, updated.Rating, updated.RatingCount, updated.CreatedAt));
    }
}
