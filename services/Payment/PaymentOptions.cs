using System.ComponentModel.DataAnnotations;

namespace Flipkart.Payment;

/// <summary>Behaviour of the simulated payment provider.</summary>
public sealed class PaymentOptions
{
    /// <summary>How long a charge or refund call to the "provider" takes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Share of charges declined (0–1). Decided per order id, so a retried charge gets the same answer.</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; set; }

    /// <summary>
    /// Amounts whose paise equal this value are always declined, like a provider's test card numbers
    /// (e.g. 13 declines ₹499.13). Null turns the rule off.
    /// </summary>
    [Range(0, 99)]
    public int? DeclineAmountsEndingInPaise { get; set; } = 13;

    /// <summary>
    /// Buyers whose user id starts with this prefix are always declined, so a system test can force a payment failure
    /// without touching prices (sign in as <c>decline-…</c>). Null or empty turns the rule off.
    /// </summary>
    [MaxLength(64)]
    public string? DeclineUserIdPrefix { get; set; } = "decline-";

    /// <summary>
    /// How long a charge in progress belongs to the delivery that recorded its intent. Other deliveries of the same
    /// StockReserved wait for its outcome meanwhile (one commit per order, no racing writers); after it, a redelivery
    /// takes the charge over (the first one died). Longer than a provider call plus a commit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ChargeLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bounded retries of an optimistic-concurrency (ETag) conflict on one payment record.</summary>
    [Range(1, 20)]
    public int ConcurrencyRetries { get; set; } = 8;
}
