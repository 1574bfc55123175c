using Flipkart.Notification.IntegrationEvents.EventHandling;
using Flipkart.Notification.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.Apis;

/// <summary>
/// Order events for notifications and status, plus the inventory and payment events that move an order's status in
/// between, each routed by CloudEvent type.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<OrderSubmitted, OrderEventsHandler>(Topics.Orders);
        app.MapSubscription<OrderConfirmed, OrderEventsHandler>(Topics.Orders);
        app.MapSubscription<OrderCancelled, OrderEventsHandler>(Topics.Orders);
        app.MapSubscription<StockReserved, OrderEventsHandler>(Topics.Inventory);
        app.MapSubscription<PaymentSucceeded, OrderEventsHandler>(Topics.Payments);
        app.MapSubscription<PaymentRefunded, OrderEventsHandler>(Topics.Payments);

        app.MapSubscription<OrderShipped, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ShipmentScanned, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<DeliveryDelayed, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<DeliveryLost, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<OrderDelivered, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRequested, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnPickedUp, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRefunded, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnRejected, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapSubscription<ReturnLapsed, FulfilmentEventsHandler>(Topics.Fulfilment);
        app.MapOtherEventsOf(Topics.Fulfilment);
        return app;
    }
}
