using System.Collections.Concurrent;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Stand-ins for the <c>cart</c> and <c>catalog</c> apps, each behind its own embedded sidecar so ordering reaches
/// them through real Dapr service invocation. Only the endpoints ordering calls exist.
/// </summary>
public sealed class StubApps : IAsyncDisposable
{
    public StubApp Cart { get; private set; } = null!;
    public StubApp Catalog { get; private set; } = null!;
    public StubApp Observer { get; private set; } = null!;
    public StubApp Fulfilment { get; private set; } = null!;

    /// <summary>Orders whose parcel the stand-in fulfilment says is with the courier: it refuses their cancel (409).</summary>
    public ConcurrentDictionary<Guid, string> HandedOver { get; } = new();

    /// <summary>Cancels and return requests fulfilment received, as (order, action, caller, reason).</summary>
    public ConcurrentQueue<(Guid OrderId, string Action, string UserId, string? Reason)> FulfilmentCalls { get; } = new();

    /// <summary>Every CloudEvent delivered on topic <c>orders</c>, as received (the envelope JSON).</summary>
    public ConcurrentQueue<System.Text.Json.Nodes.JsonObject> OrderEvents { get; } = new();

    public ConcurrentDictionary<string, List<(string ProductId, int Quantity)>> Carts { get; } = new();

    public ConcurrentDictionary<string, (string Title, decimal Price)> Products { get; } = new();

    /// <summary>Users whose GET /api/cart answers 500 (a failing dependency).</summary>
    public ConcurrentDictionary<string, bool> CartFailures { get; } = new();

    /// <summary>Holds GET /api/cart for the given user until released (for "request still in flight").</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> CartGates { get; } = new();

    /// <summary>Signalled when a gated cart request has arrived.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> CartGateReached { get; } = new();

    public async Task StartAsync()
    {
        Cart = await StubApp.StartAsync(app => app.MapGet("/api/cart", async (HttpRequest request) =>
        {
            var user = request.Headers["X-User-Id"].ToString();
            if (CartFailures.ContainsKey(user))
            {
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            }
            if (CartGates.TryGetValue(user, out var gate))
            {
                CartGateReached.GetOrAdd(user, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await gate.Task;
            }
            var lines = Carts.TryGetValue(user, out var items) ? items : [];
            return Results.Json(new
            {
                userId = user,
                lines = lines.Select(l => new { productId = l.ProductId, title = "cart snapshot", unitPrice = 1m, mrp = 1m, quantity = l.Quantity, lineTotal = 1m }),
                totalQuantity = lines.Sum(l => l.Quantity),
                total = 0m,
            });
        }));

        // The catalog's batch contract: the products it knows, and the ids it doesn't.
        Catalog = await StubApp.StartAsync(app => app.MapPost("/api/catalog/products/batch", (BatchRequest request) =>
            Results.Json(new
            {
                products = request.Ids
                    .Where(Products.ContainsKey)
                    .Select(id => new { id, title = Products[id].Title, price = Products[id].Price, mrp = Products[id].Price + 100m, brand = "Acme" }),
                missing = request.Ids.Where(id => !Products.ContainsKey(id)),
            })));
    }

    /// <summary>
    /// The stand-in for fulfilment: it stops a parcel unless <see cref="HandedOver"/> names it, and accepts a return
    /// once per order (a second is 409, as fulfilment answers).
    /// </summary>
    public async Task StartFulfilmentAsync() => Fulfilment = await StubApp.StartAsync(app =>
    {
        app.MapPost("/internal/shipments/{orderId:guid}/cancel", (Guid orderId, HttpRequest request) =>
        {
            FulfilmentCalls.Enqueue((orderId, "cancel", request.Headers["X-User-Id"].ToString(), null));
            return HandedOver.TryGetValue(orderId, out var tracking)
                ? Results.Problem(statusCode: 409, title: "Order can no longer be cancelled", type: "https://flipkart.dapr/problems/already-handed-over",
                    detail: $"Order {orderId} was handed to the courier (tracking {tracking}) and can no longer be cancelled; return it once delivered.")
                : Results.Ok(new { orderId, stage = "Cancelled" });
        });
        app.MapPost("/internal/shipments/{orderId:guid}/return", (Guid orderId, ReturnBody body, HttpRequest request) =>
        {
            var first = !FulfilmentCalls.Any(c => c.OrderId == orderId && c.Action == "return");
            FulfilmentCalls.Enqueue((orderId, "return", request.Headers["X-User-Id"].ToString(), body.Reason));
            return first
                ? Results.Accepted(null, new { orderId, stage = "ReturnRequested" })
                : Results.Problem(statusCode: 409, title: "Return already requested", type: "https://flipkart.dapr/problems/return-already-requested",
                    detail: $"A return of order {orderId} was already requested.");
        });
    });

    public sealed record ReturnBody(string? Reason);

    /// <summary>A subscriber to <c>orders</c> standing in for inventory/payment/notification: it records what the outbox publishes.</summary>
    public async Task StartObserverAsync() => Observer = await StubApp.RecorderAsync("orders", OrderEvents.Enqueue);

    /// <summary>Lets held requests finish; the stubs themselves are disposed with the fixture that runs them.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var gate in CartGates.Values)
        {
            gate.TrySetResult();
        }
        return ValueTask.CompletedTask;
    }

    public sealed record BatchRequest(List<string> Ids);
}
