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

    /// <summary>Inventory refused a line that would take the buyer past the product's per-user cap.</summary>
    PurchaseLimitExceeded,
}
