using Flipkart.Ordering.Actors;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<OrderingOptions>();
        var services = builder.Services;

        services.AddSingleton<OrderRepository>();
        services.AddSingleton<UserOrderIndex>();
        services.AddSingleton<IIdempotencyStore, DaprIdempotencyStore>();
        services.AddSingleton<IdempotentRequests>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<OrderPlacement>();
        services.AddSingleton<SagaEventHandler>();
        services.AddSingleton<FulfilmentEventHandler>();

        // The sidecar's Resiliency policy (timeouts, retries, breaker per target app) governs invocation, so the
        // default client-side resilience handler is removed rather than multiplying the retries.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the only way to opt one client out of ConfigureHttpClientDefaults
        services.AddDaprInvocationClient(AppIds.Cart).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient(AppIds.Catalog).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient(AppIds.Inventory).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient<FulfilmentClient>(AppIds.Fulfilment).RemoveAllResilienceHandlers();
        // This app's own sidecar (reminder registration); like the actor proxy before it, no client-side retries.
        services.AddHttpClient(ActorReservationTimer.SidecarClient, (sp, http) =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            http.BaseAddress = new Uri(DaprSidecar.HttpEndpoint(configuration) + "/");
            if (DaprSidecar.ApiToken(configuration) is { } token)
            {
                http.DefaultRequestHeaders.Add(DaprSidecar.ApiTokenHeader, token);
            }
        }).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton<CartClient>();
        services.AddSingleton<CatalogClient>();
        services.AddSingleton<IAvailabilitySource, InventoryAvailabilityClient>();
        services.AddSingleton<InventoryHoldClient>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<OrderingOptions>>().Value;
            return new BuyNowGate(sp.GetRequiredService<IAvailabilitySource>(), sp.GetRequiredService<TimeProvider>(),
                new BuyNowGateSettings(settings.AvailabilityFreshness, settings.AvailabilityFetchTimeout, settings.AvailabilityKeepLastKnownOnError, MaxProducts: 10_000));
        });
        services.AddSingleton<IReservationTimer, ActorReservationTimer>();

        // Reservation timers: one actor per order with a durable reminder (actor state lives in `actor-store`).
        services.AddDaprActors(actors => actors.RegisterActor<OrderTimeoutActor>());
        return builder;
    }
}
