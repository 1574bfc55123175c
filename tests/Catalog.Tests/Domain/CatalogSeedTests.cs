using Flipkart.Catalog.Domain;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Domain;

[Unit]
public class CatalogSeedTests
{
    private static readonly Product[] Seeded = CatalogSeed.Generate().ToArray();

    [Fact]
    public void Generate_IsDeterministic_ForTheSameSeed()
    {
        var again = CatalogSeed.Generate(500).ToArray();

        Assert.Equal(Seeded.Take(500).Select(Describe), again.Select(Describe));
        Assert.All(Seeded.Take(500).Zip(again), pair => Assert.True(pair.First.HasSameListing(pair.Second)));
    }

    [Fact]
    public void Generate_Differs_ForAnotherSeed()
    {
        var other = CatalogSeed.Generate(100, seed: 42).ToArray();

        Assert.NotEqual(Seeded.Take(100).Select(Describe), other.Select(Describe));
    }

    [Fact]
    public void Generate_MakesTenThousandUniqueProducts_AcrossAtLeastTwentyCategories()
    {
        Assert.Equal(10_000, Seeded.Length);
        Assert.Equal(Seeded.Length, Seeded.Select(p => p.Id).Distinct().Count());
        Assert.True(CatalogSeed.Categories.Count >= 20);
        var perCategory = Seeded.GroupBy(p => p.CategoryId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(CatalogSeed.Categories.Select(c => c.Id).Order(), perCategory.Keys.Order());
        Assert.All(perCategory.Values, n => Assert.True(n >= 350));
    }

    [Fact]
    public void Generate_UsesIndianBrandsAndSaneRupeePrices()
    {
        var brands = Seeded.Select(p => p.Brand).ToHashSet();
        Assert.Superset(new HashSet<string>(["Samsung", "Xiaomi", "Realme", "boAt", "Noise", "Tata Sampann", "Amul", "Fabindia", "Titan", "Bajaj", "Prestige"]), brands);

        Assert.All(Seeded, p =>
        {
            Assert.InRange(p.Price, 1m, 300_000m);
            Assert.True(p.Mrp >= p.Price, p.Id);
            Assert.Equal(decimal.Truncate(p.Price), p.Price);
            Assert.InRange(p.Rating, 1.0, 5.0);
            Assert.False(string.IsNullOrWhiteSpace(p.Title));
            Assert.StartsWith("https://", p.ImageUrl);
            Assert.NotEmpty(p.Attributes);
        });
    }

    private static string Describe(Product p) => $"{p.Id}|{p.Title}|{p.Brand}|{p.Price}|{p.Mrp}|{p.Rating}|{p.CreatedAt:O}";
}
