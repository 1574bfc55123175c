using System.Text.Json.Serialization;

namespace Flipkart.Cart.IntegrationEvents.Events;

// Consumed events are read tolerantly: the publisher may add fields without breaking this subscriber.
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderConfirmed(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, string? UserId, decimal Total, IReadOnlyList<OrderConfirmedLine>? Lines);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record OrderConfirmedLine(string ProductId, int Quantity);
