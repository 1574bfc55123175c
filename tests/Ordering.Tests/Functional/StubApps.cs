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
