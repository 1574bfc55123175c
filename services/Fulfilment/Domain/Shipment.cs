using System.Text.Json.Serialization;

namespace Flipkart.Fulfilment.Domain;

/// <summary>
/// Fulfilment's record of one order's parcel (key = order id), written with ETag compare-and-swap. It is the arbiter
/// of the two races the workflow cannot settle alone: a customer's cancel against the warehouse's hand-over, and a
/// return request against the closing of the return window. Whichever moves the record first wins; the loser reads
/// the winner's stage. Every move is idempotent (moving to the stage it is already in answers false), because
/// workflow activities and webhooks are retried.
/// </summary>
public sealed class Shipment
{
    [JsonConstructor]
    private Shipment()
    {
    }

    [JsonInclude] public Guid OrderId { get; private set; }
    [JsonInclude] public string UserId { get; private set; } = "";
    [JsonInclude] public decimal Total { get; private set; }
    [JsonInclude] public IReadOnlyList<ShipmentLine> Lines { get; private set; } = [];
    [JsonInclude] public ShipmentStage Stage { get; private set; }
    [JsonInclude] public string? TrackingNumber { get; private set; }
    [JsonInclude] public DateTimeOffset PromisedBy { get; private set; }
    [JsonInclude] public DateTimeOffset? DelayReportedAt { get; private set; }
    [JsonInclude] public DateTimeOffset? DeliveredAt { get; private set; }
    [JsonInclude] public DateTimeOffset? ReturnWindowEndsAt { get; private set; }
    [JsonInclude] public string? ReturnReason { get; private set; }
    [JsonInclude] public DateTimeOffset? PickupBy { get; private set; }
    [JsonInclude] public string? Outcome { get; private set; }
    [JsonInclude] public IReadOnlyList<ShipmentEvent> History { get; private set; } = [];

    public static Shipment Create(Guid orderId, string userId, decimal total, IReadOnlyList<ShipmentLine> lines, DateTimeOffset promisedBy, DateTimeOffset now) => new()
    {
        OrderId = orderId,
        UserId = userId,
        Total = total,
        Lines = [.. lines],
        Stage = ShipmentStage.Confirmed,
        PromisedBy = promisedBy,
        History = [new ShipmentEvent(ShipmentStage.Confirmed, now)],
    };

    /// <summary>
    /// A cancel that overtook OrderConfirmed (ordering asked before fulfilment saw the order): the record exists
    /// cancelled, so the late OrderConfirmed starts no delivery.
    /// </summary>
    public static Shipment CancelledBeforeConfirmation(Guid orderId, string userId, DateTimeOffset now) => new()
    {
        OrderId = orderId,
        UserId = userId,
        Stage = ShipmentStage.Cancelled,
        History = [new ShipmentEvent(ShipmentStage.Cancelled, now, "cancelled before fulfilment saw the order")],
    };

    /// <summary>The parcel stays in the warehouse: allowed until hand-over, refused after it with the reason.</summary>
    public bool Cancel(DateTimeOffset now)
    {
        switch (Stage)
        {
            case ShipmentStage.Cancelled:
                return false;
            case ShipmentStage.Confirmed or ShipmentStage.Packed:
                MoveTo(ShipmentStage.Cancelled, now, "cancelled by the customer");
                return true;
            default:
                throw new ShipmentConflictException(ShipmentConflictException.AlreadyHandedOver, "Order can no longer be cancelled",
                    $"Order {OrderId} was handed to the courier (tracking {TrackingNumber}) and can no longer be cancelled; return it once delivered.");
        }
    }

    public bool Pack(DateTimeOffset now) => Advance(ShipmentStage.Confirmed, ShipmentStage.Packed, now);

    public bool HandOver(string trackingNumber, DateTimeOffset now)
    {
        if (!Advance(ShipmentStage.Packed, ShipmentStage.HandedOver, now, trackingNumber))
        {
            return false;
        }
        TrackingNumber = trackingNumber;
        return true;
    }

    /// <summary>The delivery promise passed: true only the first time, so the customer is told once.</summary>
    public bool ReportDelay(DateTimeOffset now)
    {
        if (Stage != ShipmentStage.HandedOver || DelayReportedAt is not null)
        {
            return false;
        }
        DelayReportedAt = now;
        History = [.. History, new ShipmentEvent(Stage, now, $"delivery promise {PromisedBy:u} missed; escalated")];
        return true;
    }

    public bool Deliver(DateTimeOffset deliveredAt, TimeSpan returnWindow)
    {
        if (!Advance(ShipmentStage.HandedOver, ShipmentStage.Delivered, deliveredAt))
        {
            return false;
        }
        DeliveredAt = deliveredAt;
        ReturnWindowEndsAt = deliveredAt + returnWindow;
        return true;
    }

    public bool MarkLost(DateTimeOffset now) => Advance(ShipmentStage.HandedOver, ShipmentStage.Lost, now, "not delivered by the final deadline");

    /// <summary>Delivered and inside the window: the return is accepted once; every other case is refused with why.</summary>
    public void RequestReturn(string reason, DateTimeOffset now)
    {
        switch (Stage)
        {
            case ShipmentStage.Delivered when now < ReturnWindowEndsAt:
                ReturnReason = reason;
                MoveTo(ShipmentStage.ReturnRequested, now, reason);
                return;
            case ShipmentStage.Delivered or ShipmentStage.Completed:
                throw new ShipmentConflictException(ShipmentConflictException.ReturnWindowClosed, "Return window closed",
                    $"Returns of order {OrderId} were possible until {ReturnWindowEndsAt:u}.");
            case ShipmentStage.Cancelled:
                throw new ShipmentConflictException(ShipmentConflictException.OrderCancelled, "Order cancelled", $"Order {OrderId} was cancelled; there is nothing to return.");
            case > ShipmentStage.Completed and not ShipmentStage.Lost:
                throw new ShipmentConflictException(ShipmentConflictException.ReturnAlreadyRequested, "Return already requested",
                    $"A return of order {OrderId} was already requested ({Stage}).");
            default:
                throw new ShipmentConflictException(ShipmentConflictException.NotDelivered, "Order not delivered",
                    $"Order {OrderId} has not been delivered yet ({Stage}); it can be returned once delivered.");
        }
    }

    /// <summary>The window's timer fired: closes it unless a return got in first (then the caller goes on with the return).</summary>
    public bool CloseReturnWindow(DateTimeOffset now) => Advance(ShipmentStage.Delivered, ShipmentStage.Completed, now, "return window closed");

    public bool SchedulePickup(DateTimeOffset pickupBy)
    {
        if (Stage != ShipmentStage.ReturnRequested || PickupBy is not null)
        {
            return false;
        }
        PickupBy = pickupBy;
        return true;
    }

    public bool PickUp(DateTimeOffset now) => Advance(ShipmentStage.ReturnRequested, ShipmentStage.PickedUp, now);

    public bool LapseReturn(DateTimeOffset now) => Advance(ShipmentStage.ReturnRequested, ShipmentStage.ReturnLapsed, now, "not picked up by the deadline");

    public bool Refund(DateTimeOffset now, string detail) => Finish(ShipmentStage.Refunded, now, detail);

    public bool RejectReturn(DateTimeOffset now, string reason) => Finish(ShipmentStage.ReturnRejected, now, reason);

    private bool Finish(ShipmentStage outcome, DateTimeOffset now, string detail)
    {
        if (!Advance(ShipmentStage.PickedUp, outcome, now, detail))
        {
            return false;
        }
        Outcome = detail;
        return true;
    }

    // from → to once; already at `to` (a retried step) or anywhere else (a decision made elsewhere) changes nothing.
    private bool Advance(ShipmentStage from, ShipmentStage to, DateTimeOffset now, string? detail = null)
    {
        if (Stage != from)
        {
            return false;
        }
        MoveTo(to, now, detail);
        return true;
    }

    private void MoveTo(ShipmentStage stage, DateTimeOffset now, string? detail)
    {
        Stage = stage;
        History = [.. History, new ShipmentEvent(stage, now, detail)];
    }
}
