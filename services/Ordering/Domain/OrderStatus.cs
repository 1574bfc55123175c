namespace Flipkart.Ordering.Domain;

public enum OrderStatus
{
    Submitted,
    StockReserved,
    Paid,
    Confirmed,
    Cancelled,

    // After confirmation the parcel's story, as fulfilment reports it (FulfilmentStages orders them).
    Packed,
    Shipped,
    OutForDelivery,
    Delivered,
    ReturnRequested,
    PickedUp,
    Refunded,
    ReturnRejected,
    ReturnLapsed,
}

/// <summary>
/// The order of the statuses after Confirmed. Fulfilment's events may arrive duplicated or out of order (a
/// Delivered overtaking its Shipped on an unordered broker), so an order only ever moves forward in this order,
/// possibly skipping a status, and never back.
/// </summary>
public static class FulfilmentStages
{
    private static readonly OrderStatus[] InOrder =
    [
        OrderStatus.Confirmed, OrderStatus.Packed, OrderStatus.Shipped, OrderStatus.OutForDelivery, OrderStatus.Delivered,
        OrderStatus.ReturnRequested, OrderStatus.PickedUp,
    ];

    /// <summary>The rank of a status after confirmation; -1 for the statuses before it and for Cancelled.</summary>
    public static int Rank(OrderStatus status) => status switch
    {
        OrderStatus.Refunded or OrderStatus.ReturnRejected or OrderStatus.ReturnLapsed => InOrder.Length,
        // A lapsed return (never picked up) may come straight after ReturnRequested, before any PickedUp.
        _ => Array.IndexOf(InOrder, status),
    };

    public static bool IsFulfilment(OrderStatus status) => Rank(status) > 0;

    /// <summary>Until the courier has it, the customer may still cancel (fulfilment decides the race with the hand-over).</summary>
    public static bool IsBeforeHandOver(OrderStatus status) => status is OrderStatus.Confirmed or OrderStatus.Packed;
}

/// <summary>
/// How the checkout saga ended, apart from the delivery timeline that follows it: <see cref="Confirmed"/> stays the
/// outcome of an order that later ships, is returned, or is cancelled by its customer before hand-over (that is a
/// refund and a restock, not a lost sale); <see cref="Cancelled"/> means cancelled before it was ever confirmed.
/// </summary>
public enum OrderOutcome
{
    Pending,
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
