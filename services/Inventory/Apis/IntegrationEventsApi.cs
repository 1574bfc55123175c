using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Inventory.Apis;

/// <summary>
/// Ordering's events on the <c>orders</c> topic move stock: a submitted order reserves, a confirmed one commits, a
/// cancelled one releases. A handler failure (contention, a sidecar hiccup) delays an event but never drops it.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<OrderSubmitted, ReservationCoordinator>(Topics.Orders);
        app.MapSubscription<OrderConfirmed, ReservationCoordinator>(Topics.Orders);
        app.MapSubscription<OrderCancelled, ReservationCoordinator>(Topics.Orders);
        return app;
    }
}
