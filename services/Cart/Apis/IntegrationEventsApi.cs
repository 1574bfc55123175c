using Dapr;
using Flipkart.Cart.IntegrationEvents.EventHandling;
using Flipkart.Cart.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Cart.Apis;

/// <summary>Subscription endpoints; Dapr routes each event on the <c>orders</c> topic here by its CloudEvent type.</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("integration-events").ExcludeFromDescription();

        events.MapPost("/order-confirmed", OnOrderConfirmed)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprComponents.PubSub,
                Name = Topics.Orders,
                Match = $"event.type == \"{nameof(OrderConfirmed)}\"",
                Priority = 1,
            });
        return app;
    }

    public static async Task<Ok> OnOrderConfirmed(OrderConfirmed @event, OrderConfirmedHandler handler, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok();
    }
}
