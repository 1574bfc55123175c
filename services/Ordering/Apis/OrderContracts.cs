using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// The client's whole say in an order. Lines come from the cart and prices from Catalog; any other member
/// (price, total, status…) is rejected by the shared JSON rules with 400.
/// </summary>
public sealed record PlaceOrderRequest(string? DeliveryAddress = null)
{
    public void Validate()
    {
        if (DeliveryAddress?.Length > Order.MaxDeliveryAddressLength)
        {
            throw new InvalidRequestException("Invalid delivery address", $"At most {Order.MaxDeliveryAddressLength} characters.");
        }
    }
}

/// <summary>The body of <c>POST /api/orders/buy-now</c>: one product, how many, optionally where to.</summary>
public sealed record BuyNowRequest(string? ProductId = null, int Quantity = 1, string? DeliveryAddress = null)
{
    public const int MaxProductIdLength = 128;

    public void Validate(int maxQuantity)
    {
        if (string.IsNullOrWhiteSpace(ProductId) || ProductId.Length > MaxProductIdLength || ProductId.Any(char.IsControl))
        {
            throw new InvalidRequestException("Invalid product id", $"productId is required: 1 to {MaxProductIdLength} characters.");
        }
        if (Quantity < 1 || Quantity > maxQuantity)
        {
            throw new InvalidRequestException("Invalid quantity", $"quantity must be between 1 and {maxQuantity}.");
        }
        new PlaceOrderRequest(DeliveryAddress).Validate();
    }
}

/// <summary>The body of <c>POST /api/orders/{id}/return</c>: why the customer sends it back.</summary>
public sealed record ReturnOrderRequest(string? Reason = null)
{
    public const int MaxReasonLength = 500;

    public string ValidReason() =>
        string.IsNullOrWhiteSpace(Reason) || Reason.Length > MaxReasonLength || Reason.Any(c => char.IsControl(c) && c != '\n')
            ? throw new RequestValidationException("Invalid return request",
                new Dictionary<string, string[]> { ["reason"] = [$"Required: 1 to {MaxReasonLength} characters."] })
            : Reason.Trim();
}

public sealed record OrderSummary(Guid OrderId, OrderStatus Status, decimal Total, int ItemCount, DateTimeOffset CreatedAt, OrderOutcome Outcome);

public sealed record OrderPage(IReadOnlyList<OrderSummary> Items, int Page, int PageSize, int TotalCount);

public sealed record OrderLineView(string ProductId, string Title, decimal UnitPrice, int Quantity, decimal LineTotal);

public sealed record OrderView(
    Guid OrderId,
    OrderStatus Status,
    CancellationReason? CancellationReason,
    decimal Total,
    IReadOnlyList<OrderLineView> Lines,
    string? DeliveryAddress,
    string? PaymentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ReservationExpiresAt,
    IReadOnlyList<StatusChange> Timeline,
    string? TrackingNumber = null,
    DateTimeOffset? ReturnWindowEndsAt = null,
    OrderOutcome Outcome = OrderOutcome.Pending,
    DateTimeOffset? ConfirmedAt = null)
{
    public static OrderView From(Order order) => new(
        order.Id, order.Status, order.CancellationReason, order.Total,
        [.. order.Lines.Select(l => new OrderLineView(l.ProductId, l.Title, l.UnitPrice, l.Quantity, l.LineTotal))],
        order.DeliveryAddress, order.PaymentId, order.CreatedAt, order.ReservationExpiresAt, order.Timeline,
        order.TrackingNumber, order.ReturnWindowEndsAt, order.Outcome, order.ConfirmedAt);
}

public static class OrderSummaries
{
    public static OrderSummary From(Order order) => new(order.Id, order.Status, order.Total, order.Lines.Sum(l => l.Quantity), order.CreatedAt, order.Outcome);
}
