using Dapr;
using Flipkart.Inventory.IntegrationEvents.EventHandling;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Inventory.Apis;

/// <summary>
/// Subscription endpoints on the <c>orders</c> topic, routed by CloudEvent type. A handler failure answers 500,
/// which Dapr treats as "retry", so contention or a sidecar hiccup delays an event but never drops it.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("integration-events").ExcludeFromDescription();
        events.MapPost("/order-submitted", OnOrderSubmitted).WithTopic(OrdersTopic(nameof(OrderSubmitted), 1));
        events.MapPost("/order-confirmed", OnOrderConfirmed).WithTopic(OrdersTopic(nameof(OrderConfirmed), 2));
        events.MapPost("/order-cancelled", OnOrderCancelled).WithTopic(OrdersTopic(nameof(OrderCancelled), 3));
        return app;
    }

    public static async Task<Ok> OnOrderSubmitted(OrderSubmitted @event, OrderSubmittedHandler handler, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<Ok> OnOrderConfirmed(OrderConfirmed @event, OrderConfirmedHandler handler, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<Ok> OnOrderCancelled(OrderCancelled @event, OrderCancelledHandler handler, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok();
    }

    private static TopicOptions OrdersTopic(string eventType, int priority) => new()
    {
        PubsubName = DaprComponents.PubSub,
        Name = Topics.Orders,
        Match = $"event.type == \"{eventType}\"",
        Priority = priority,
    };
}
