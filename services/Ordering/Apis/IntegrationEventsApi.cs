using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Apis;

/// <summary>The saga's replies from <c>inventory</c> and <c>payments</c>; the other types on those topics are acknowledged.</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<StockReserved, SagaEventHandler>(Topics.Inventory);
        app.MapSubscription<StockReservationFailed, SagaEventHandler>(Topics.Inventory);
        app.MapOtherEventsOf(Topics.Inventory);

        app.MapSubscription<PaymentSucceeded, SagaEventHandler>(Topics.Payments);
        app.MapSubscription<PaymentFailed, SagaEventHandler>(Topics.Payments);
        app.MapOtherEventsOf(Topics.Payments);
        return app;
    }
}
