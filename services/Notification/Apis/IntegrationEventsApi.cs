using Dapr;
using Flipkart.Notification.IntegrationEvents.EventHandling;
using Flipkart.Notification.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Notification.Apis;

/// <summary>
/// Subscription endpoints, routed by CloudEvent type: order events for notifications and status, plus the inventory
/// and payment events that move an order's status in between.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("integration-events").ExcludeFromDescription();

        events.MapPost("/order-submitted", (OrderSubmitted e, OrderSubmittedHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Orders, nameof(OrderSubmitted), 1));
        events.MapPost("/order-confirmed", (OrderConfirmed e, OrderConfirmedHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Orders, nameof(OrderConfirmed), 2));
        events.MapPost("/order-cancelled", (OrderCancelled e, OrderCancelledHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Orders, nameof(OrderCancelled), 3));
        events.MapPost("/stock-reserved", (StockReserved e, StockReservedHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Inventory, nameof(StockReserved), 1));
        events.MapPost("/payment-succeeded", (PaymentSucceeded e, PaymentSucceededHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Payments, nameof(PaymentSucceeded), 1));
        events.MapPost("/payment-refunded", (PaymentRefunded e, PaymentRefundedHandler h, CancellationToken ct) => Handle(h.HandleAsync(e, ct)))
            .WithTopic(Route(Topics.Payments, nameof(PaymentRefunded), 2));
        return app;
    }

    // A thrown exception answers 500, which Dapr redelivers; success is a plain 200.
    private static async Task<Ok> Handle(Task handling)
    {
        await handling;
        return TypedResults.Ok();
    }

    private static TopicOptions Route(string topic, string eventType, int priority) => new()
    {
        PubsubName = DaprComponents.PubSub,
        Name = topic,
        Match = $"event.type == \"{eventType}\"",
        Priority = priority,
    };
}
