using System.Text.Json;
using Dapr;
using Flipkart.Payment.IntegrationEvents.EventHandling;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Apis;

/// <summary>
/// Subscription endpoints: StockReserved on <c>inventory</c> and OrderCancelled on <c>orders</c>, routed by CloudEvent
/// type; a default route per topic acknowledges the types payment does not act on.
/// </summary>
public static class IntegrationEventsApi
{
    public static IEndpointRouteBuilder MapIntegrationEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("integration-events").ExcludeFromDescription();

        MapEvent<StockReserved>(events, "stock-reserved", Topics.Inventory);
        MapIgnored(events, "inventory-other", Topics.Inventory);
        MapEvent<OrderCancelled>(events, "order-cancelled", Topics.Orders);
        MapIgnored(events, "orders-other", Topics.Orders);
        return app;
    }

    private static void MapEvent<TEvent>(RouteGroupBuilder events, string path, string topic) where TEvent : IntegrationEvent =>
        events.MapPost(path, HandleAsync<TEvent>).WithTopic(new TopicOptions
        {
            PubsubName = DaprComponents.PubSub,
            Name = topic,
            Match = $"event.type == \"{typeof(TEvent).Name}\"",
            Priority = 1,
        });

    private static void MapIgnored(RouteGroupBuilder events, string path, string topic) =>
        events.MapPost(path, () => TypedResults.Ok(DaprStatus.Success))
            .WithTopic(new TopicOptions { PubsubName = DaprComponents.PubSub, Name = topic });

    /// <summary>
    /// Reads the payload tolerantly and hands it to its handler. An unreadable event is dropped (redelivery cannot
    /// fix it); a handler failure answers 500 so Dapr redelivers.
    /// </summary>
    public static async Task<IResult> HandleAsync<TEvent>(HttpRequest request, IIntegrationEventHandler<TEvent> handler, ILoggerFactory loggers, CancellationToken cancellationToken)
        where TEvent : IntegrationEvent
    {
        TEvent? @event = null;
        try
        {
            @event = await JsonSerializer.DeserializeAsync<TEvent>(request.Body, EventJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            loggers.CreateLogger(typeof(IntegrationEventsApi)).LogError(ex, "Dropping an unreadable {EventType}", typeof(TEvent).Name);
        }
        if (@event is null || OrderIdOf(@event) == Guid.Empty)
        {
            return TypedResults.Ok(DaprStatus.Drop);
        }

        await handler.HandleAsync(@event, cancellationToken);
        return TypedResults.Ok(DaprStatus.Success);
    }

    private static Guid OrderIdOf(IntegrationEvent @event) => @event switch
    {
        StockReserved e => e.OrderId,
        OrderCancelled e => e.OrderId,
        _ => Guid.Empty,
    };

    /// <summary>The subscriber answers daprd understands (values are case-sensitive).</summary>
    public sealed record DaprStatus(string Status)
    {
        public static readonly DaprStatus Success = new("SUCCESS");
        public static readonly DaprStatus Drop = new("DROP");
    }
}
