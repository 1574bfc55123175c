using Dapr.Actors.Client;
using Flipkart.Ordering.Actors;
using Flipkart.Ordering.Apis;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OrderingOptions>().BindConfiguration(nameof(OrderingOptions)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<OrderRepository>();
        services.AddSingleton<UserOrderIndex>();
        services.AddSingleton<IIdempotencyStore, DaprIdempotencyStore>();
        services.AddSingleton<IdempotentRequests>();
        services.AddSingleton<OrderService>();
        services.AddDaprInvocationClient(AppIds.Cart);
        services.AddDaprInvocationClient(AppIds.Catalog);
        services.AddSingleton<CartClient>();
        services.AddSingleton<CatalogClient>();
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
        services.AddSingleton<IActorProxyFactory>(sp => new ActorProxyFactory(new ActorProxyOptions { UseJsonSerialization = true }));
        return builder;
    }
}
