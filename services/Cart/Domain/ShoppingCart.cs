using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Flipkart.Cart.Domain;

/// <summary>A user's cart. Prices and titles are snapshots taken from Catalog when a line is set, never from the client.</summary>
public sealed partial class ShoppingCart
{
    public const int MinQuantity = 1;
    public const int MaxQuantity = 10;
    public const int MaxLines = 50;

    // Orders whose lines were already removed, so a redelivered OrderConfirmed removes nothing the user re-added.
    private const int RememberedOrders = 20;

    public required string UserId { get; init; }
    public List<CartLine> Lines { get; init; } = [];
    public List<Guid> ConfirmedOrders { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; set; }

    [JsonIgnore]
    public decimal Total => Lines.Sum(l => l.LineTotal);

    public static ShoppingCart Empty(string userId) => new() { UserId = userId };

    public static bool IsValidProductId(string productId) => ProductIdPattern().IsMatch(productId);

    public static void EnsureValidQuantity(int quantity)
    {
        if (quantity is < MinQuantity or > MaxQuantity)
        {
            throw new CartDomainException($"Quantity must be between {MinQuantity} and {MaxQuantity}.");
        }
    }

    /// <summary>Adds the line or replaces its quantity, re-snapshotting price and title.</summary>
    public void SetLine(string productId, int quantity, ProductSnapshot product, DateTimeOffset now)
    {
        EnsureValidQuantity(quantity);
        var index = Lines.FindIndex(l => l.ProductId == productId);
        if (index < 0 && Lines.Count >= MaxLines)
        {
            throw new CartDomainException($"A cart holds at most {MaxLines} different products.");
        }

        var line = new CartLine(productId, product.Title, product.Price, product.Mrp, quantity);
        if (index < 0)
        {
            Lines.Add(line);
        }
        else
        {
            Lines[index] = line;
        }
        UpdatedAt = now;
    }

    public bool RemoveLine(string productId, DateTimeOffset now)
    {
        var removed = Lines.RemoveAll(l => l.ProductId == productId) > 0;
        if (removed)
        {
            UpdatedAt = now;
        }
        return removed;
    }

    public bool Clear(DateTimeOffset now)
    {
        if (Lines.Count == 0)
        {
            return false;
        }
        Lines.Clear();
        UpdatedAt = now;
        return true;
    }

    /// <summary>
    /// Removes the lines an order bought. Only those lines: products added after checkout stay.
    /// Returns false when this order was already applied (duplicate delivery).
    /// </summary>
    public bool ApplyOrderConfirmed(Guid orderId, IEnumerable<string> productIds, DateTimeOffset now)
    {
        if (ConfirmedOrders.Contains(orderId))
        {
            return false;
        }

        var bought = productIds.ToHashSet(StringComparer.Ordinal);
        Lines.RemoveAll(l => bought.Contains(l.ProductId));
        ConfirmedOrders.Add(orderId);
        if (ConfirmedOrders.Count > RememberedOrders)
        {
            ConfirmedOrders.RemoveRange(0, ConfirmedOrders.Count - RememberedOrders);
        }
        UpdatedAt = now;
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ProductIdPattern();
}

public sealed record CartLine(string ProductId, string Title, decimal UnitPrice, decimal? Mrp, int Quantity)
{
    [JsonIgnore]
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>What Catalog says a product is right now.</summary>
public sealed record ProductSnapshot(string Title, decimal Price, decimal? Mrp);
