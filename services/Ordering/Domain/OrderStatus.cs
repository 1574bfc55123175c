namespace Flipkart.Ordering.Domain;

public enum OrderStatus
{
    Submitted,
    StockReserved,
    Paid,
    Confirmed,
    Cancelled,
}

public enum CancellationReason
{
    OutOfStock,
    PaymentFailed,
    ReservationExpired,
    CancelledByUser,
}

public sealed class OrderingDomainException(string message) : Exception(message);
