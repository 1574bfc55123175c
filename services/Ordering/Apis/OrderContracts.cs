using Flipkart.Ordering.Domain;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// The client's whole say in an order. Lines come from the cart and prices from Catalog; any other member
/// (price, total, status…) is rejected by the shared JSON rules with 400.
/// </summary>
public sealed record PlaceOrderRequest(string? DeliveryAddress = null);

public sealed record OrderAccepted(Guid OrderId, OrderStatus Status, decimal Total, DateTimeOffset ReservationExpiresAt);

public sealed record OrderSummary(Guid OrderId, OrderStatus Status, decimal Total, int ItemCount, DateTimeOffset CreatedAt);

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
    IReadOnlyList<StatusChange> Timeline)
{
    public static OrderView From(Order order) => new(
        order.Id, order.Status, order.CancellationReason, order.Total,
        [.. order.Lines.Select(l => new OrderLineView(l.ProductId, l.Title, l.UnitPrice, l.Quantity, l.LineTotal))],
        order.DeliveryAddress, order.PaymentId, order.CreatedAt, order.ReservationExpiresAt, order.Timeline);
}

public static class OrderSummaries
{
    public static OrderSummary From(Order order) => new(order.Id, order.Status, order.Total, order.Lines.Sum(l => l.Quantity), order.CreatedAt);
}
