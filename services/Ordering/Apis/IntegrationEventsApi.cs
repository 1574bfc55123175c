using System.Text.Json;
using Dapr;
using Flipkart.Ordering.IntegrationEvents.EventHandling;
using Flipkart.Ordering.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// Subscription endpoints. Dapr routes each message of the <c>inventory</c> and <c>payments</c> topics by its
/// CloudEvent type; a default route per topic acknowledges the types ordering does not act on.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("integration-events").ExcludeFromDescription();

        MapEvent<StockReserved>(events, "stock-reserved", Topics.Inventory, priority: 1);
        MapEvent<StockReservationFailed>(events, "stock-reservation-failed", Topics.Inventory, priority: 2);
        MapIgnored(events, "inventory-other", Topics.Inventory);

        MapEvent<PaymentSucceeded>(events, "payment-succeeded", Topics.Payments, priority: 1);
        MapEvent<PaymentFailed>(events, "payment-failed", Topics.Payments, priority: 2);
        MapIgnored(events, "payments-other", Topics.Payments);
        return app;
    }

    private static void MapEvent<TEvent>(RouteGroupBuilder events, string path, string topic, int priority) where TEvent : IntegrationEvent =>
        events.MapPost(path, HandleAsync<TEvent>).WithTopic(new TopicOptions
        {
            PubsubName = DaprComponents.PubSub,
            Name = topic,
            Match = $"event.type == \"{typeof(TEvent).Name}\"",
            Priority = priority,
        });

    private static void MapIgnored(RouteGroupBuilder events, string path, string topic) =>
        events.MapPost(path, () => TypedResults.Ok(DaprStatus.Success))
            .WithTopic(new TopicOptions { PubsubName = DaprComponents.PubSub, Name = topic });

    /// <summary>
    /// Reads the payload tolerantly (the producers own the shape) and hands it to its handler. An unreadable event
    /// is dropped instead of retried: redelivering it can never succeed. Handler failures surface as 500 so Dapr retries.
    /// </summary>
    public static async Task<IResult> HandleAsync<TEvent>(HttpRequest request, IIntegrationEventHandler<TEvent> handler, ILoggerFactory loggers, CancellationToken cancellationToken)
        where TEvent : IntegrationEvent
    {
        TEvent? @event;
        try
        {
            @event = await JsonSerializer.DeserializeAsync<TEvent>(request.Body, EventJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            loggers.CreateLogger(typeof(IntegrationEventsApi)).LogError(ex, "Dropping an unreadable {EventType}", typeof(TEvent).Name);
            return TypedResults.Ok(DaprStatus.Drop);
        }
        if (@event is null || @event.OrderIdOrEmpty() == Guid.Empty)
        {
            loggers.CreateLogger(typeof(IntegrationEventsApi)).LogError("Dropping a {EventType} without an order id", typeof(TEvent).Name);
            return TypedResults.Ok(DaprStatus.Drop);
        }

        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok(DaprStatus.Success);
    }

    private static Guid OrderIdOrEmpty(this IntegrationEvent @event) => @event switch
    {
        StockReserved e => e.OrderId,
        StockReservationFailed e => e.OrderId,
        PaymentSucceeded e => e.OrderId,
        PaymentFailed e => e.OrderId,
        _ => Guid.Empty,
    };

    /// <summary>The subscriber answers daprd understands (values are case-sensitive).</summary>
    public sealed record DaprStatus(string Status)
    {
        public static readonly DaprStatus Success = new("SUCCESS");
        public static readonly DaprStatus Drop = new("DROP");
    }
}
