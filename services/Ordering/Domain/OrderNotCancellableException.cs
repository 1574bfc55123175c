using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Domain;

/// <summary>The owner asked to cancel an order that is paid, or whose parcel left: 409 with the reason, the order stays as it is.</summary>
public sealed class OrderNotCancellableException(Guid orderId, string? reason = null)
    : ConflictException("Order can no longer be cancelled", reason ?? $"Order {orderId} is already paid and can no longer be cancelled.");
