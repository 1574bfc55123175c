using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.IntegrationEvents.Events;

/// <summary>
/// A product's listing changed. Published on topic <c>catalog</c> with CloudEvent type <c>ProductChanged</c>;
/// consumers re-read anything beyond these fields from the catalog.
/// </summary>
public sealed record ProductChanged(Guid EventId, DateTimeOffset OccurredAt, string ProductId, string Title, decimal Price, decimal Mrp)
    : IntegrationEvent(EventId, OccurredAt);
