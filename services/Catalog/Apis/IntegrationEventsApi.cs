using Dapr;
using Flipkart.Catalog.IntegrationEvents.EventHandling;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.Apis;

/// <summary>Subscriptions, discovered by the sidecar through <c>/dapr/subscribe</c>.</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/integration/catalog/product-changed", OnProductChanged)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprComponents.PubSub,
                Name = Topics.Catalog,
                Match = $"event.type == \"{nameof(ProductChanged)}\"",
                Priority = 1,
            })
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> OnProductChanged(ProductChanged @event, ProductChangedHandler handler, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok();
    }
}
