using System.Text.Json.Serialization;

namespace Flipkart.Cart.IntegrationEvents.Events;

// Consumed events are read tolerantly: the publisher may add fields without breaking this subscriber.
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
// Checkout: "cart" | "buy-now"; absent (events from before the field existed) means "cart".
public sealed record OrderConfirmed(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Total, IReadOnlyList<OrderConfirmedLine>? Lines, string? Checkout = null)
{
    public const string BuyNowCheckout = "buy-now";

    /// <summary>A buy-now order never came from the cart, so it must not take anything out of it.</summary>
    public bool CameFromCart => !string.Equals(Checkout, BuyNowCheckout, StringComparison.Ordinal);
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderConfirmedLine(string ProductId, int Quantity);
