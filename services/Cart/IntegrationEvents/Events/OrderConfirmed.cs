using System.Text.Json.Serialization;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.IntegrationEvents.Events;

/// <summary>
/// The cart's copy of ordering's OrderConfirmed: who bought which products, and how (<c>checkout</c>: "cart" |
/// "buy-now"; absent on events from before the field existed, which means "cart").
/// </summary>
public sealed record OrderConfirmed(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId = null, IReadOnlyList<OrderConfirmedLine>? Lines = null, string? Checkout = null)
    : IntegrationEvent(EventId, OccurredAt)
{
    public const string BuyNowCheckout = "buy-now";

    /// <summary>A buy-now order never came from the cart, so it must not take anything out of it.</summary>
    [JsonIgnore]
    public bool CameFromCart => !string.Equals(Checkout, BuyNowCheckout, StringComparison.Ordinal);
}

public sealed record OrderConfirmedLine(string ProductId, int Quantity);
