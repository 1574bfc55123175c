using Flipkart.Fulfilment.IntegrationEvents.Events;
using Flipkart.Fulfilment.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.Apis;

/// <summary>OrderConfirmed on <c>orders</c> starts an order's delivery; the other order events are acknowledged.</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<OrderConfirmed, ShipmentService>(Topics.Orders);
        app.MapOtherEventsOf(Topics.Orders);
        return app;
    }
}
