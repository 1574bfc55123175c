using System.Text.RegularExpressions;

namespace Flipkart.Fulfilment.Domain;

/// <summary>What a courier tells us about a parcel it carries. <c>eventId</c> is the courier's own, unique per scan.</summary>
public sealed record CourierEvent(string? EventId = null, string? TrackingNumber = null, string? Type = null, DateTimeOffset? OccurredAt = null);

/// <summary>The courier's scan kinds, as they appear in the webhook's <c>type</c>.</summary>
public static partial class CourierScans
{
    public const string Shipped = "shipped";
    public const string OutForDelivery = "out-for-delivery";
    public const string Delivered = "delivered";
    public const string PickupDone = "pickup-done";

    public static readonly IReadOnlyList<string> All = [Shipped, OutForDelivery, Delivered, PickupDone];

    public const int MaxEventIdLength = 128;

    /// <summary>The field errors of <paramref name="courierEvent"/>, empty when it is well-formed.</summary>
    public static Dictionary<string, string[]> Validate(CourierEvent courierEvent)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(courierEvent.EventId) || courierEvent.EventId.Length > MaxEventIdLength || courierEvent.EventId.Any(char.IsControl))
        {
            errors["eventId"] = [$"Required: 1 to {MaxEventIdLength} printable characters."];
        }
        if (TrackingNumbers.OrderIdOf(courierEvent.TrackingNumber) is null)
        {
            errors["trackingNumber"] = ["Not a tracking number this shop issued."];
        }
        if (courierEvent.Type is null || !All.Contains(courierEvent.Type))
        {
            errors["type"] = [$"One of: {string.Join(", ", All)}."];
        }
        if (courierEvent.OccurredAt is null)
        {
            errors["occurredAt"] = ["Required."];
        }
        return errors;
    }
}

/// <summary>
/// Tracking numbers name their order (<c>FK</c> + the order id's 32 hex digits), so a courier scan finds its parcel
/// without a lookup table, and a number this shop never issued is refused before anything is read.
/// </summary>
public static partial class TrackingNumbers
{
    public static string For(Guid orderId) => "FK" + orderId.ToString("N").ToUpperInvariant();

    public static Guid? OrderIdOf(string? trackingNumber) =>
        trackingNumber is not null && Pattern().IsMatch(trackingNumber) && Guid.TryParseExact(trackingNumber[2..], "N", out var id) ? id : null;

    [GeneratedRegex("^FK[0-9A-F]{32}$")]
    private static partial Regex Pattern();
}
