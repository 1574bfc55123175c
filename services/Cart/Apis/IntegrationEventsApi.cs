using Flipkart.Cart.IntegrationEvents.EventHandling;
using Flipkart.Cart.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.Apis;

/// <summary>A confirmed cart checkout empties the bought lines (topic <c>orders</c>, routed by CloudEvent type).</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<OrderConfirmed, OrderConfirmedHandler>(Topics.Orders);
        return app;
    }
}
