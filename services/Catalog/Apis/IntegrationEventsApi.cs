using Flipkart.Catalog.IntegrationEvents.EventHandling;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.Apis;

/// <summary>Edits made on any replica reach this one's index and caches (topic <c>catalog</c>).</summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapSubscription<ProductChanged, ProductChangedHandler>(Topics.Catalog);
        return app;
    }
}
