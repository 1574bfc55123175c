using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Apis;

/// <summary>StockReserved on <c>inventory</c> charges, OrderCancelled on <c>orders</c> refunds or voids; other types are acknowledged.</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<StockReserved, PaymentProcessor>(Topics.Inventory);
        app.MapOtherEventsOf(Topics.Inventory);
        app.MapSubscription<OrderCancelled, PaymentProcessor>(Topics.Orders);
        app.MapOtherEventsOf(Topics.Orders);
        return app;
    }
}
