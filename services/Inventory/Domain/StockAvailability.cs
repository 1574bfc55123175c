using System.Text.Json.Serialization;

namespace Flipkart.Inventory.Domain;

/// <summary>What a shopper may know about a product's stock: how many units are on the shelf and the purchase cap.</summary>
public sealed record StockAvailability(int Available, int? PerUserLimit)
{
    /// <summary>At or below this many units (and above zero) the storefront shows "only a few left".</summary>
    public const int FewLeftThreshold = 5;

    [JsonIgnore]
    public AvailabilityStatus Status => Available switch
    {
        <= 0 => AvailabilityStatus.OutOfStock,
        <= FewLeftThreshold => AvailabilityStatus.FewLeft,
        _ => AvailabilityStatus.InStock,
    };

    public static StockAvailability Of(StockItem stock) => new(stock.Available, stock.PerUserLimit);
}

// Strings on the wire whatever serializer options a caller uses: this is a public contract.
[JsonConverter(typeof(JsonStringEnumConverter<AvailabilityStatus>))]
public enum AvailabilityStatus
{
    InStock,
    FewLeft,
    OutOfStock,
}
