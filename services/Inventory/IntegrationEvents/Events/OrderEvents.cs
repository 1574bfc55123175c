using System.Text.Json.Serialization;

namespace Flipkart.Inventory.IntegrationEvents.Events;

// Inventory's own copies of the ordering events it consumes, read tolerantly so ordering can add fields.

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderSubmitted(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, IReadOnlyList<OrderLine> Lines, decimal Total, DateTimeOffset ReservationExpiresAt);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Total, IReadOnlyList<OrderLine>? Lines);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, string? Reason, IReadOnlyList<OrderLine>? Lines);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderLine(string ProductId, int Quantity);
