using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.IntegrationEvents.Events;

// Published on topic `orders` through the order-store outbox; the record name is the CloudEvent type.
// Shapes follow the commerce contract; `checkout` ("cart" | "buy-now", see CheckoutKind) tells consumers how the order
// was placed (an event without it comes from the cart).

public sealed record OrderSubmitted(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId,
    IReadOnlyList<OrderSubmittedLine> Lines, decimal Total, DateTimeOffset ReservationExpiresAt, string Checkout)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderSubmittedLine(string ProductId, int Quantity, decimal UnitPrice, string Title);

public sealed record OrderConfirmed(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, decimal Total, IReadOnlyList<OrderEventLine> Lines, string Checkout)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderCancelled(
    Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string UserId, string Reason, IReadOnlyList<OrderEventLine> Lines)
    : IntegrationEvent(EventId, OccurredAt);

public sealed record OrderEventLine(string ProductId, int Quantity);
