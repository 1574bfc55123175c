namespace Flipkart.LoadTest.FlashSale;

/// <summary>Stock of one product as inventory reports it (GET /api/inventory/{productId}).</summary>
public sealed record StockSnapshot(int Available, int Reserved, int Sold)
{
    public int Total => Available + Reserved + Sold;
}

/// <summary>Payment's record of an order (GET /api/payments/orders/{orderId}); null on the order when payment has none (404).</summary>
public sealed record PaymentRecord(string Status, IReadOnlyList<decimal> Charges, IReadOnlyList<decimal> Refunds);

/// <summary>One order as ordering reports it, with payment's record of it.</summary>
public sealed record OrderRecord(Guid OrderId, string Status, string? CancellationReason, decimal Total, int Quantity, PaymentRecord? Payment);

/// <summary>Every order ordering holds for one buyer (GET /api/orders as that buyer).</summary>
public sealed record BuyerRecord(string UserId, IReadOnlyList<OrderRecord> Orders);

/// <summary>
/// Everything the services say after a flash sale, gathered from their own APIs: stock before and after, and each
/// buyer's orders with their payments. The checker judges only this, so a crafted ledger can prove it catches faults.
/// </summary>
public sealed record FlashSaleLedger(string ProductId, int Units, StockSnapshot Before, StockSnapshot After, IReadOnlyList<BuyerRecord> Buyers);

public sealed record InvariantResult(string Name, bool Passed, string Detail);
