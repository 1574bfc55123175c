using System.ComponentModel.DataAnnotations;

namespace Flipkart.Fulfilment;

/// <summary>
/// Deadlines and the simulated warehouse. A workflow takes its deadlines from here when it starts and keeps them in its
/// input, so a changed setting applies to new orders and never changes what a running instance replays.
/// </summary>
public sealed class FulfilmentOptions
{
    /// <summary>The delivery promise, counted from confirmation: past it without a delivered scan the customer is told of the delay once.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan DeliveryPromise { get; set; } = TimeSpan.FromDays(3);

    /// <summary>After the promise, how long to keep waiting before the parcel is declared lost (escalated to support).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "60.00:00:00")]
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long after delivery the customer may ask for a return.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan ReturnWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long the courier has to collect a return before it lapses (the customer is told).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PickupDeadline { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How long a workflow may sit between two waits (an activity and its retries: 10 attempts back off over about
    /// 8.5 minutes; a redelivered OrderConfirmed) or past a deadline its timer should have ended, before the liveness
    /// check calls it stuck.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LivenessGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Share of returns the simulated warehouse rejects at inspection (0-1), decided per order so retries agree.</summary>
    [Range(0.0, 1.0)]
    public double InspectionRejectionRate { get; set; } = 0.1;

    /// <summary>How far a courier's signed timestamp may be from our clock; older (or future) requests are refused as stale.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a courier event id is remembered (a replay within this time is refused with 409); longer than the tolerance.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "30.00:00:00")]
    public TimeSpan WebhookReplayRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The secret (in <c>secretstore</c>) holding the courier's HMAC key.</summary>
    [Required, MaxLength(128)]
    public string CourierKeySecret { get; set; } = "courier-webhook-key";

    /// <summary>Bounded retries of an optimistic-concurrency (ETag) conflict on one shipment.</summary>
    [Range(1, 20)]
    public int ConcurrencyRetries { get; set; } = 8;
}
