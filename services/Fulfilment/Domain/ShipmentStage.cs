namespace Flipkart.Fulfilment.Domain;

/// <summary>Where an order's parcel stands, from the warehouse to the end of its return, in the order they happen.</summary>
public enum ShipmentStage
{
    /// <summary>OrderConfirmed arrived; the warehouse has not packed it yet.</summary>
    Confirmed,
    Packed,
    /// <summary>With the courier, who gave a tracking number: from here on the order can no longer be cancelled.</summary>
    HandedOver,
    Delivered,
    /// <summary>Delivered and the return window passed without a return.</summary>
    Completed,
    ReturnRequested,
    PickedUp,
    Refunded,
    ReturnRejected,
    /// <summary>The courier never collected the return before its deadline.</summary>
    ReturnLapsed,
    /// <summary>Cancelled by its customer before hand-over: payment refunds and inventory restocks on OrderCancelled.</summary>
    Cancelled,
    /// <summary>Never delivered by the final deadline: escalated to customer support.</summary>
    Lost,
}

/// <summary>One entry of a shipment's history.</summary>
public sealed record ShipmentEvent(ShipmentStage Stage, DateTimeOffset At, string? Detail = null);

/// <summary>One line of the order as fulfilment needs it: what to pack, what to restock on a return.</summary>
public sealed record ShipmentLine(string ProductId, int Quantity);
