using System.Text.Json.Serialization;

namespace Flipkart.Payment.Domain;

public enum PaymentStatus
{
    /// <summary>
    /// The provider is being asked to charge (the intent, recorded before the call): if the outcome's record is lost
    /// (a failed commit, a crash), a cancellation still knows a charge may exist and voids it.
    /// </summary>
    Charging,
    /// <summary>Charged once; may be refunded once.</summary>
    Charged,
    /// <summary>The provider declined; nothing to refund.</summary>
    Declined,
    /// <summary>The order was cancelled before any charge: a late StockReserved must not charge it.</summary>
    Voided,
    /// <summary>Charged, then refunded exactly once.</summary>
    Refunded,
}

public sealed record ChargeEntry(string PaymentId, decimal Amount, DateTimeOffset At);

public sealed record RefundEntry(string RefundId, string PaymentId, decimal Amount, DateTimeOffset At);

public sealed class PaymentDomainException(string message) : Exception(message);

/// <summary>
/// Everything payment knows about one order (key = order id). The record's existence is the charge decision:
/// once it exists no further charge is attempted, which is what makes a duplicate StockReserved harmless.
/// </summary>
public sealed class OrderPayment
{
    [JsonConstructor]
    private OrderPayment()
    {
    }

    [JsonInclude] public Guid OrderId { get; private set; }
    [JsonInclude] public string? UserId { get; private set; }
    [JsonInclude] public decimal Amount { get; private set; }
    [JsonInclude] public PaymentStatus Status { get; private set; }
    [JsonInclude] public string? PaymentId { get; private set; }
    [JsonInclude] public string? DeclineReason { get; private set; }
    [JsonInclude] public IReadOnlyList<ChargeEntry> Charges { get; private set; } = [];
    [JsonInclude] public IReadOnlyList<RefundEntry> Refunds { get; private set; } = [];
    /// <summary>The delivery whose charge is in progress (<see cref="PaymentStatus.Charging"/>).</summary>
    [JsonInclude] public Guid? ChargingBy { get; private set; }
    /// <summary>Voided after a charge was attempted: the provider was (or is still to be) told to void it.</summary>
    [JsonInclude] public bool ChargeAttempted { get; private set; }
    [JsonInclude] public DateTimeOffset CreatedAt { get; private set; }
    [JsonInclude] public DateTimeOffset UpdatedAt { get; private set; }

    public static OrderPayment Charged(Guid orderId, string? userId, decimal amount, string paymentId, DateTimeOffset now)
    {
        if (amount <= 0)
        {
            throw new PaymentDomainException("A charge needs a positive amount.");
        }
        return new OrderPayment
        {
            OrderId = orderId, UserId = userId, Amount = amount, Status = PaymentStatus.Charged, PaymentId = paymentId,
            Charges = [new ChargeEntry(paymentId, amount, now)], CreatedAt = now, UpdatedAt = now,
        };
    }

    public static OrderPayment Declined(Guid orderId, string? userId, decimal amount, string reason, DateTimeOffset now) => new()
    {
        OrderId = orderId, UserId = userId, Amount = amount, Status = PaymentStatus.Declined, DeclineReason = reason,
        CreatedAt = now, UpdatedAt = now,
    };

    public static OrderPayment Voided(Guid orderId, string? userId, DateTimeOffset now) => new()
    {
        OrderId = orderId, UserId = userId, Status = PaymentStatus.Voided, CreatedAt = now, UpdatedAt = now,
    };

    /// <summary>The intent to charge, stored before the provider is called.</summary>
    public static OrderPayment Intent(Guid orderId, string? userId, decimal amount, Guid chargingBy, DateTimeOffset now) => new()
    {
        OrderId = orderId, UserId = userId, Amount = amount, Status = PaymentStatus.Charging, ChargingBy = chargingBy, CreatedAt = now, UpdatedAt = now,
    };

    /// <summary>Whether <paramref name="delivery"/> may charge now: it owns the intent, or the owner's lease lapsed.</summary>
    public bool MayCharge(Guid delivery, DateTimeOffset now, TimeSpan lease) =>
        Status == PaymentStatus.Charging && (ChargingBy == delivery || now - UpdatedAt >= lease);

    /// <summary>A redelivery takes over a charge whose first delivery died (its lease lapsed).</summary>
    public void TakeOver(Guid delivery, DateTimeOffset now)
    {
        if (Status != PaymentStatus.Charging)
        {
            throw new PaymentDomainException($"Only a charge in progress can be taken over ({Status}).");
        }
        ChargingBy = delivery;
        UpdatedAt = now;
    }

    [JsonIgnore]
    public bool NeedsRefund => Status == PaymentStatus.Charged;

    /// <summary>Whether the provider may hold a charge without a recorded outcome, which a cancellation must void.</summary>
    [JsonIgnore]
    public bool NeedsVoid => Status == PaymentStatus.Charging || (Status == PaymentStatus.Voided && ChargeAttempted);

    /// <summary>The order was cancelled while its charge's outcome was unrecorded: voided, and the provider must void it.</summary>
    public void VoidIntent(DateTimeOffset now)
    {
        if (Status != PaymentStatus.Charging)
        {
            throw new PaymentDomainException($"Only a charge in progress can be voided ({Status}).");
        }
        Status = PaymentStatus.Voided;
        ChargeAttempted = true;
        UpdatedAt = now;
    }

    /// <summary>Refunds the charge once. False when there is nothing (left) to refund.</summary>
    public bool Refund(string refundId, DateTimeOffset now)
    {
        if (Status != PaymentStatus.Charged)
        {
            return false;
        }
        Status = PaymentStatus.Refunded;
        Refunds = [.. Refunds, new RefundEntry(refundId, PaymentId!, Amount, now)];
        UpdatedAt = now;
        return true;
    }
}
