namespace Flipkart.Ordering.Domain;

/// <summary>
/// How an order was placed, carried on OrderSubmitted and OrderConfirmed as <c>checkout</c>: consumers such as the
/// cart act only on orders that came from the cart.
/// </summary>
public static class CheckoutKind
{
    /// <summary>POST /api/orders: the caller's cart became the order.</summary>
    public const string Cart = "cart";

    /// <summary>POST /api/orders/buy-now: one product bought directly; the cart was never read.</summary>
    public const string BuyNow = "buy-now";

    public static bool IsKnown(string? kind) => kind is Cart or BuyNow;
}
