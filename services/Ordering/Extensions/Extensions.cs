using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Flipkart.Ordering.Actors;
using Flipkart.Ordering.Apis;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OrderingOptions>().BindConfiguration(nameof(OrderingOptions)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        services.AddServiceOpenApi();

        services.AddSingleton<OrderRepository>();
        services.AddSingleton<UserOrderIndex>();
        services.AddSingleton<IIdempotencyStore, DaprIdempotencyStore>();
        services.AddSingleton<IdempotentRequests>();
        services.AddSingleton<OrderService>();
        // The sidecar's Resiliency policy (timeouts, retries, breaker per target app) governs invocation, so the
        // default client-side resilience handler is removed rather than multiplying the retries.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the only way to opt one client out of ConfigureHttpClientDefaults
        services.AddDaprInvocationClient(AppIds.Cart).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient(AppIds.Catalog).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient(AppIds.Inventory).RemoveAllResilienceHandlers();
        // This app's own sidecar (reminder registration); like the actor proxy before it, no client-side retries.
        services.AddHttpClient(ActorReservationTimer.SidecarClient, (sp, http) =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            http.BaseAddress = new Uri(DaprInvocation.SidecarHttpEndpoint(configuration).TrimEnd('/') + "/");
            if (configuration["DAPR_API_TOKEN"] is { Length: > 0 } token)
            {
                http.DefaultRequestHeaders.Add("dapr-api-token", token);
            }
        }).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton<CartClient>();
        services.AddSingleton<CatalogClient>();
        services.AddSingleton<IAvailabilitySource, InventoryAvailabilityClient>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<OrderingOptions>>().Value;
            return new SoldOutGate(sp.GetRequiredService<IAvailabilitySource>(), sp.GetRequiredService<TimeProvider>(),
                new SoldOutGateSettings(settings.AvailabilityFreshness, settings.AvailabilityFetchTimeout, settings.AvailabilityKeepLastKnownOnError, MaxProducts: 10_000));
        });
        services.AddSingleton<OrderServices>();
        services.AddSingleton<IReservationTimer, ActorReservationTimer>();

        services.AddSingleton<IIntegrationEventHandler<StockReserved>, StockReservedHandler>();
        services.AddSingleton<IIntegrationEventHandler<StockReservationFailed>, StockReservationFailedHandler>();
        services.AddSingleton<IIntegrationEventHandler<PaymentSucceeded>, PaymentSucceededHandler>();
        services.AddSingleton<IIntegrationEventHandler<PaymentFailed>, PaymentFailedHandler>();

        // Reservation timers: one actor per order with a durable reminder (actor state lives in `actor-store`).
        // JSON on both sides of the actor calls keeps the wire format readable and language neutral.
        services.AddActors(actors =>
        {
            actors.UseJsonSerialization = true;
            actors.Actors.RegisterActor<OrderTimeoutActor>();
        });
        // The actor runtime and proxies read the sidecar address from the configuration, like the DaprClient does
        // (environment variables alone would not reach an app hosted in-process by tests or DevHost).
        services.AddOptions<ActorRuntimeOptions>().Configure<IConfiguration>((actors, configuration) =>
        {
            actors.HttpEndpoint = DaprInvocation.SidecarHttpEndpoint(configuration);
            if (configuration["DAPR_API_TOKEN"] is { Length: > 0 } token)
            {
                actors.DaprApiToken = token;
            }
        });
        services.AddSingleton<IActorProxyFactory>(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return new ActorProxyFactory(new ActorProxyOptions
            {
                UseJsonSerialization = true,
                HttpEndpoint = DaprInvocation.SidecarHttpEndpoint(configuration),
                DaprApiToken = configuration["DAPR_API_TOKEN"] ?? "",
            });
        });

        builder.ListenOnAppPort();
        return builder;
    }
}
