using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// The saga's replies from <c>inventory</c> and <c>payments</c>, and the parcel's steps from <c>fulfilment</c>; the other
/// types on those topics are acknowledged.
/// </summary>
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

        app.MapSubscription<OrderPacked, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<OrderShipped, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ShipmentScanned, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<DeliveryDelayed, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<OrderDelivered, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ShipmentCancelled, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRequested, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnPickedUp, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRefunded, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRejected, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnLapsed, FulfilmentEventHandler>(Topics.Fulfilment);
        app.MapOtherEventsOf(Topics.Fulfilment);
        return app;
    }
}
