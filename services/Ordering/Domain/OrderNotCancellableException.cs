using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Domain;

/// <summary>The owner asked to cancel an order that is already paid: 409, the order stays as it is.</summary>
public sealed class OrderNotCancellableException(Guid orderId)
    : ConflictException("Order can no longer be cancelled", $"Order {orderId} is already paid and can no longer be cancelled.");
