using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.Domain;

/// <summary>
/// The shipment's stage forbids what was asked (409), with the reason a customer can read: cancelling a parcel the
/// courier already has, returning one not delivered yet, after its window closed, or a second time. The problem
/// <c>type</c> lets ordering and the storefront branch on the kind without parsing the text.
/// </summary>
public sealed class ShipmentConflictException(string kind, string title, string detail)
    : ConflictException(title, detail, $"https://flipkart.dapr/problems/{kind}")
{
    public const string AlreadyHandedOver = "already-handed-over";
    public const string NotDelivered = "not-delivered";
    public const string ReturnWindowClosed = "return-window-closed";
    public const string ReturnAlreadyRequested = "return-already-requested";
    public const string OrderCancelled = "order-cancelled";

    public string Kind { get; } = kind;
}
