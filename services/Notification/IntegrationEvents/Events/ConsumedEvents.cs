using System.Text.Json.Serialization;

namespace Flipkart.Notification.IntegrationEvents.Events;

// Notification's own copies of the events it consumes, read tolerantly: publishers may add fields, and only the
// fields below matter here.

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderSubmitted(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Total);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Total);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderCancelled(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, string? Reason);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StockReserved(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record PaymentSucceeded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record PaymentRefunded(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Amount);
