using System.Text.Json;
using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Flipkart.Notification.Apis;

/// <summary>
/// Live order status as Server-Sent Events. The stream opens with the current status, then sends each change: at once
/// when this replica consumed the event (handed over in memory, no store read), otherwise at the next safety re-read
/// of the store (<see cref="NotificationOptions.StatusPollInterval"/>, since pub/sub hands each event to only one
/// replica), with comment heartbeats in between: through the checkout, then the parcel's way (shipped, out for
/// delivery, delivered, a return's steps). It ends when the order's story does: cancelled, lost, the return's end, or
/// delivered with the return window closed (or after MaxStreamDuration: clients reconnect).
/// </summary>
public static class OrderEventsApi
{
    public static IEndpointRouteBuilder MapOrderEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("api/orders")
            .WithTags("Order status")
            .RequireAuthorization()
            .MapGet("/{orderId}/events", StreamOrderStatus)
            .WithName("StreamOrderStatus");
        return app;
    }

    /// <summary>One user holds at most <see cref="NotificationOptions.MaxStreamsPerUser"/> streams here; the next gets 429.</summary>
    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamOrderStatus(
        string orderId, CallerIdentity caller, HttpContext context, NotificationStore store, OrderingClient ordering, OrderStatusSignals signals,
        PerUserSlots slots, IOptionsMonitor<NotificationOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time)
    {
        var userId = caller.UserId;
        var max = options.CurrentValue.MaxStreamsPerUser;
        if (!slots.TryEnter(userId, max))
        {
            context.Response.Headers.RetryAfter = "30";
            return TypedResults.Problem($"At most {max} order status streams may be open at once; close one first.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many open streams");
        }
        try
        {
            return await StreamAsync(orderId, userId, context, store, ordering, signals, options, json, time);
        }
        finally
        {
            slots.Exit(userId);
        }
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamAsync(
        string orderId, string userId, HttpContext context, NotificationStore store, OrderingClient ordering, OrderStatusSignals signals,
        IOptionsMonitor<NotificationOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time)
    {
        var cancellationToken = context.RequestAborted;
        if (!Guid.TryParse(orderId, out var id))
        {
            return NotFound(orderId);
        }

        // Watching before the first read: a status recorded here in between is still handed over.
        using var changes = signals.WatchOrder(id);
        var tracked = await store.GetOrderAsync(id, cancellationToken);
        StatusEvent current;
        if (tracked?.UserId is { } owner)
        {
            if (owner != userId)
            {
                return NotFound(orderId);
            }
            current = StatusEvent.From(tracked);
        }
        else
        {
            // No event of this order reached notification yet (the client is quicker than the saga): ordering knows.
            var status = await ordering.FindOwnedOrderStatusAsync(id, userId, cancellationToken);
            if (status is null)
            {
                return NotFound(orderId);
            }
            current = new StatusEvent(id, status.Value, null, time.GetUtcNow(), null);
        }

        var settings = options.CurrentValue;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var serializer = json.Value.SerializerOptions;

        await WriteStatusAsync(response, current, serializer, cancellationToken);
        var deadline = time.GetUtcNow() + settings.MaxStreamDuration;
        var lastBeat = time.GetUtcNow();
        var nextRead = time.GetUtcNow() + settings.StatusPollInterval;
        try
        {
            while (!current.IsOver(time.GetUtcNow()) && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var wake = Min(nextRead, lastBeat + settings.HeartbeatInterval, deadline);
                var observed = await changes.NextAsync(wake - now, time, cancellationToken);

                StatusEvent? latest = null;
                if (observed is not null)
                {
                    latest = observed.UserId is null || observed.UserId == userId ? current.Then(observed) : null;
                }
                else if (time.GetUtcNow() >= nextRead)
                {
                    // The safety re-read: the only way to learn of a change another replica consumed.
                    nextRead = time.GetUtcNow() + settings.StatusPollInterval;
                    var stored = await store.GetOrderAsync(id, cancellationToken);
                    latest = stored is not null && stored.History.Count > 0 && (stored.UserId is null || stored.UserId == userId) ? StatusEvent.From(stored) : null;
                }

                if (latest is not null && OrderStages.Rank(latest.Status) > OrderStages.Rank(current.Status))
                {
                    current = latest;
                    await WriteStatusAsync(response, current, serializer, cancellationToken);
                    lastBeat = time.GetUtcNow();
                }
                else if (time.GetUtcNow() - lastBeat >= settings.HeartbeatInterval)
                {
                    await response.WriteAsync(": heartbeat\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastBeat = time.GetUtcNow();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        return TypedResults.Empty;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) => a < b ? (a < c ? a : c) : (b < c ? b : c);

    private static async Task WriteStatusAsync(HttpResponse response, StatusEvent status, JsonSerializerOptions serializer, CancellationToken cancellationToken)
    {
        // The id lets a reconnecting EventSource say how far it got (Last-Event-ID); statuses only move forward.
        await response.WriteAsync($"id: {OrderStages.Rank(status.Status)}\nevent: status\ndata: {JsonSerializer.Serialize(status, serializer)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static ProblemHttpResult NotFound(string orderId) =>
        TypedResults.Problem($"You have no order '{orderId}'.", statusCode: StatusCodes.Status404NotFound, title: "Order not found");
}

/// <param name="ReturnWindowEndsAt">Once delivered: until when the order may be returned (the stream ends then).</param>
public sealed record StatusEvent(Guid OrderId, OrderStatus Status, string? Reason, DateTimeOffset At, DateTimeOffset? ReturnWindowEndsAt)
{
    public bool IsOver(DateTimeOffset now) => OrderStages.IsOver(Status, ReturnWindowEndsAt, now);

    public static StatusEvent From(TrackedOrder order) => new(order.OrderId, order.Status, order.Reason, order.UpdatedAt, order.ReturnWindowEndsAt);

    /// <summary>The status after <paramref name="observation"/>; the return window, once known, stays with the later statuses as the store's fold keeps it.</summary>
    public StatusEvent Then(StatusObservation observation) =>
        new(OrderId, observation.Status, observation.Reason, observation.At, observation.Status == OrderStatus.Delivered ? observation.ReturnWindowEndsAt : ReturnWindowEndsAt);
}
