using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// The one way a service subscribes: <c>app.MapSubscription&lt;StockReserved, SagaEvents&gt;(Topics.Inventory)</c> maps
/// <c>POST integration-events/stock-reserved</c>, routed by Dapr on the CloudEvent <c>type</c> (the record's name),
/// listed in <c>/dapr/subscribe</c> (map <c>MapSubscribeHandler</c> and <c>UseCloudEvents</c>, as
/// <see cref="Extensions.MapServiceEndpoints"/> does) and kept out of the OpenAPI document.
/// </summary>
public static class IntegrationEventSubscriptions
{
    public const string RoutePrefix = "integration-events";

    // Rules of one topic need distinct priorities (the SDK logs an error otherwise); they follow mapping order per app.
    private static readonly ConditionalWeakTable<IServiceProvider, Dictionary<string, int>> Priorities = [];

    /// <summary>
    /// Delivers <typeparamref name="TEvent"/> from <paramref name="topic"/> to <typeparamref name="THandler"/> (a
    /// registered service). The body is read tolerantly (<see cref="IntegrationEventJson"/>); an event that cannot be
    /// read, lacks a required member or makes the handler throw <see cref="UnprocessableEventException"/> is dropped
    /// (redelivery can never fix it), while any other failure answers an error status so Dapr delivers it again.
    /// Copies of one event arriving together are handled one after another (<see cref="InFlightDeliveries"/>).
    /// </summary>
    public static RouteHandlerBuilder MapSubscription<TEvent, THandler>(this IEndpointRouteBuilder app, string topic)
        where TEvent : IntegrationEvent
        where THandler : IIntegrationEventHandler<TEvent> =>
        app.MapPost($"{RoutePrefix}/{KebabCase(typeof(TEvent).Name)}", DeliverAsync<TEvent, THandler>)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprComponents.PubSub,
                Name = topic,
                Match = $"event.type == \"{typeof(TEvent).Name}\"",
                Priority = NextPriority(app, topic),
            })
            .ExcludeFromDescription();

    /// <summary>The default route of <paramref name="topic"/>: acknowledges the event types this app does not act on.</summary>
    public static RouteHandlerBuilder MapOtherEventsOf(this IEndpointRouteBuilder app, string topic) =>
        app.MapPost($"{RoutePrefix}/{topic}-other", () => TypedResults.Ok(SubscriberStatus.Success))
            .WithTopic(new TopicOptions { PubsubName = DaprComponents.PubSub, Name = topic })
            .ExcludeFromDescription();

    internal static async Task<IResult> DeliverAsync<TEvent, THandler>(
        HttpRequest request, [FromServices] THandler handler, [FromServices] InFlightDeliveries inFlight, [FromServices] ILoggerFactory loggers,
        CancellationToken cancellationToken)
        where TEvent : IntegrationEvent
        where THandler : IIntegrationEventHandler<TEvent>
    {
        TEvent? @event;
        try
        {
            @event = await JsonSerializer.DeserializeAsync<TEvent>(request.Body, IntegrationEventJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Drop(loggers, typeof(TEvent).Name, ex.Message);
        }
        if (@event is null)
        {
            return Drop(loggers, typeof(TEvent).Name, "the body is empty");
        }

        try
        {
            // An event without an id cannot be told from its copies; it is not held back.
            using var turn = @event.EventId == Guid.Empty ? null : await inFlight.EnterAsync(@event.Type, @event.EventId, cancellationToken);
            await handler.HandleAsync(@event, cancellationToken);
        }
        catch (UnprocessableEventException ex)
        {
            return Drop(loggers, typeof(TEvent).Name, ex.Message);
        }
        return TypedResults.Ok(SubscriberStatus.Success);
    }

    private static IResult Drop(ILoggerFactory loggers, string eventType, string reason)
    {
        loggers.CreateLogger(typeof(IntegrationEventSubscriptions)).LogError("Dropping a {EventType} that can never be processed: {Reason}", eventType, reason);
        return TypedResults.Ok(SubscriberStatus.Drop);
    }

    private static int NextPriority(IEndpointRouteBuilder app, string topic)
    {
        var perTopic = Priorities.GetOrCreateValue(app.ServiceProvider);
        lock (perTopic)
        {
            perTopic[topic] = perTopic.GetValueOrDefault(topic) + 1;
            return perTopic[topic];
        }
    }

    /// <summary><c>StockReservationFailed</c> → <c>stock-reservation-failed</c>.</summary>
    internal static string KebabCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "-") + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>The subscriber answers daprd understands (values are case-sensitive).</summary>
public sealed record SubscriberStatus(string Status)
{
    public static readonly SubscriberStatus Success = new("SUCCESS");
    public static readonly SubscriberStatus Drop = new("DROP");
}
