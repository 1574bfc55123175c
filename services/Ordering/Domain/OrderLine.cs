using System.Text.Json.Serialization;

namespace Flipkart.Ordering.Domain;

/// <summary>One product bought: price and title as Catalog quoted them when the order was placed.</summary>
public sealed record OrderLine(string ProductId, string Title, decimal UnitPrice, int Quantity)
{
    [JsonIgnore]
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>An entry of the order's timeline; <paramref name="Detail"/> carries the cancellation reason or payment id.</summary>
public sealed record StatusChange(OrderStatus Status, DateTimeOffset At, string? Detail = null);
