using Flipkart.Catalog.Domain;

namespace Flipkart.Catalog.Tests.Domain;

/// <summary>Small hand-made catalogs, so ranking expectations can be reasoned about.</summary>
internal static class TestCatalog
{
    public static readonly Category[] Categories = [new("mobiles", "Mobiles"), new("tvs", "Televisions"), new("audio", "Audio")];

    public static Product Make(string id, string title, string brand, string category, decimal price, double rating = 4.0,
        string description = "", int ratingCount = 10, int ageDays = 10) =>
        new(id, title, brand, category, description, price, price + 1000m, rating, ratingCount, $"https://images.example.com/{id}.webp",
            new Dictionary<string, string>(), new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(-ageDays));

    public static ProductSearchIndex Small() => ProductSearchIndex.Build(
    [
        Make("P1", "Samsung Galaxy M35 5G Smartphone", "Samsung", "mobiles", 15999, 4.3, "Samsung phone with 6000 mAh battery", ratingCount: 900, ageDays: 30),
        Make("P2", "Samsung Crystal 4K Smart TV", "Samsung", "tvs", 35999, 4.4, "Samsung television with Tizen", ratingCount: 500, ageDays: 5),
        Make("P3", "Redmi Note 13 Phone", "Xiaomi", "mobiles", 12999, 4.1, "A phone from Xiaomi", ratingCount: 2000, ageDays: 60),
        Make("P4", "boAt Airdopes 141", "boAt", "audio", 1299, 3.9, "Earbuds with phone call noise cancellation", ratingCount: 40000, ageDays: 1),
        Make("P5", "Samsung Galaxy S24 Ultra Phone", "Samsung", "mobiles", 129999, 4.7, "Flagship Samsung phone, phone of the year", ratingCount: 300, ageDays: 2),
        Make("P6", "Noise ColorFit Pro 5", "Noise", "audio", 2999, 4.0, "Smartwatch", ratingCount: 100, ageDays: 3),
    ], Categories);
}
