using System.Security.Cryptography;
using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Ordering.Apis;

public static class OrdersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/orders").WithTags("Orders")
            // A store, broker, actor or sidecar outage is a 503 with Retry-After on every order endpoint, never a 500.
            .WithInfrastructureFailuresAs503();

        api.MapPost("/", PlaceOrder).WithName("PlaceOrder").WithSummary("Check out the caller's cart (requires an Idempotency-Key header)")
            .Accepts<PlaceOrderRequest>("application/json")
            .Produces<OrderAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/buy-now", BuyNowApi.BuyNow).WithName("BuyNow").WithSummary("Buy one product directly, bypassing the cart (requires an Idempotency-Key header)")
            .Accepts<BuyNowRequest>("application/json")
            .Produces<OrderAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/", GetMyOrders).WithName("GetMyOrders").WithSummary("The caller's orders, newest first");
        api.MapGet("/{orderId:guid}", GetOrder).WithName("GetOrder").WithSummary("One of the caller's orders with its status timeline");
        api.MapPost("/{orderId:guid}/cancel", CancelOrder).WithName("CancelOrder").WithSummary("Cancel an order that is not paid yet");
        return app;
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> PlaceOrder(HttpContext http, OrderServices services, CancellationToken cancellationToken)
    {
        if (CallerIdentity.From(http) is not { } caller)
        {
            return Unauthenticated();
        }

        var key = ReadIdempotencyKey(http.Request);
        if (key is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Idempotency-Key required",
                $"Send a unique {IdempotencyKeyHeader} header (at most {IdempotencyRules.MaxKeyLength} printable ASCII characters) so a retried checkout cannot create a second order.");
        }

        var body = await ReadBoundedBodyAsync(http.Request, services.Options.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A checkout body may have at most {services.Options.MaxRequestBodyBytes} bytes.");
        }

        PlaceOrderRequest request;
        try
        {
            request = body.Length == 0 ? new PlaceOrderRequest() : JsonSerializer.Deserialize<PlaceOrderRequest>(body, services.Json) ?? new PlaceOrderRequest();
        }
        catch (JsonException ex)
        {
            // Includes client-supplied price, total or status: unknown members are rejected, never bound.
            return Problem(StatusCodes.Status400BadRequest, "Malformed request", ex.Message);
        }
        if (request.DeliveryAddress?.Length > Order.MaxDeliveryAddressLength)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid delivery address", $"At most {Order.MaxDeliveryAddressLength} characters.");
        }

        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(body));
        return await PlaceIdempotentlyAsync(http, services, caller.UserId, key, fingerprint,
            (orderId, token) => PlaceFromCartAsync(orderId, caller.UserId, request, services, token), cancellationToken);
    }

    /// <summary>
    /// The Idempotency-Key protocol around placing one order: claim the key (or replay / refuse), find an order a
    /// previous attempt with this key already committed or place it, record the answer. Shared by checkout and buy-now.
    /// </summary>
    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> PlaceIdempotentlyAsync(
        HttpContext http, OrderServices services, string userId, string key, string fingerprint,
        Func<Guid, CancellationToken, Task<Order>> place, CancellationToken cancellationToken)
    {
        var claim = await services.Idempotency.ClaimAsync(userId, key, fingerprint, cancellationToken);
        switch (claim)
        {
            case IdempotentRequests.Replay replay:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return StoredResponse(http, replay.Record.StatusCode ?? StatusCodes.Status202Accepted, replay.Record.ResponseBody ?? "", replay.Record.Location);
            case IdempotentRequests.Rejected { Outcome: IdempotencyOutcome.FingerprintMismatch }:
                return Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "This Idempotency-Key was already used with a different request body.");
            case IdempotentRequests.Rejected:
                http.Response.Headers.RetryAfter = "1";
                return Problem(StatusCodes.Status409Conflict, "Request in progress",
                    "A request with this Idempotency-Key is still being processed; retry shortly.");
        }

        var owned = (IdempotentRequests.Owned)claim;
        try
        {
            var orderId = OrderService.OrderIdFor(userId, key);
            // A previous attempt with this key may have committed the order and died before recording its answer.
            var order = await services.Orders.GetAsync(orderId, cancellationToken) is { } existing && existing.UserId == userId
                ? existing
                : await place(orderId, cancellationToken);
            var location = $"/api/orders/{order.Id}";
            var responseBody = JsonSerializer.Serialize(new OrderAccepted(order.Id, order.Status, order.Total, order.ReservationExpiresAt), services.Json);
            // The order exists now; record the answer even if the client has gone, so its retry gets a replay.
            await services.Idempotency.CompleteAsync(owned, StatusCodes.Status202Accepted, responseBody, location, CancellationToken.None);
            return StoredResponse(http, StatusCodes.Status202Accepted, responseBody, location);
        }
        catch (ProductNotFoundException ex)
        {
            await services.Idempotency.ReleaseAsync(owned, CancellationToken.None);
            return Problem(StatusCodes.Status404NotFound, "Product not found", ex.Message);
        }
        catch (OrderRejectedException ex)
        {
            await services.Idempotency.ReleaseAsync(owned, CancellationToken.None);
            return Problem(StatusCodes.Status422UnprocessableEntity, ex.Title, ex.Message);
        }
        catch (DependencyFailedException ex)
        {
            await services.Idempotency.ReleaseAsync(owned, CancellationToken.None);
            services.Logger.LogWarning(ex, "Checkout failed on a dependency");
            return Problem(StatusCodes.Status503ServiceUnavailable, "Checkout temporarily unavailable", ex.Message);
        }
        catch
        {
            // Only successes are remembered: after a fault the client may retry with the same key.
            await services.Idempotency.ReleaseAsync(owned, CancellationToken.None);
            throw;
        }
    }

    public static async Task<Results<Ok<OrderPage>, ProblemHttpResult>> GetMyOrders(
        HttpContext http, OrderServices services, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (CallerIdentity.From(http) is not { } caller)
        {
            return Unauthenticated();
        }
        var pageNumber = page ?? 1;
        var size = pageSize ?? 20;
        if (pageNumber < 1 || size < 1 || size > services.Options.MaxPageSize)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid paging", $"page must be ≥ 1 and pageSize between 1 and {services.Options.MaxPageSize}.");
        }

        var index = await services.UserOrders.GetAsync(caller.UserId, cancellationToken);
        var ids = index.OrderByDescending(e => e.CreatedAt).Skip((pageNumber - 1) * size).Take(size).Select(e => e.OrderId).ToList();
        var orders = await services.Repository.GetManyAsync(ids, cancellationToken);
        var items = orders.Where(o => o.UserId == caller.UserId).OrderByDescending(o => o.CreatedAt).Select(OrderSummaries.From).ToList();
        return TypedResults.Ok(new OrderPage(items, pageNumber, size, index.Count));
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetOrder(HttpContext http, Guid orderId, OrderServices services, CancellationToken cancellationToken)
    {
        if (CallerIdentity.From(http) is not { } caller)
        {
            return Unauthenticated();
        }
        var order = await services.Orders.GetAsync(orderId, cancellationToken);
        // Someone else's order is indistinguishable from a missing one. Admins may read any (invariant checks).
        return order is not null && (order.UserId == caller.UserId || caller.IsAdmin)
            ? TypedResults.Ok(OrderView.From(order))
            : NotFound(orderId);
    }

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> CancelOrder(HttpContext http, Guid orderId, OrderServices services, CancellationToken cancellationToken)
    {
        if (CallerIdentity.From(http) is not { } caller)
        {
            return Unauthenticated();
        }
        var existing = await services.Orders.GetAsync(orderId, cancellationToken);
        if (existing is null || existing.UserId != caller.UserId)
        {
            return NotFound(orderId);
        }

        try
        {
            var order = await services.Orders.ApplyAsync(orderId, (o, now) => o.CancelByUser(now), cancellationToken);
            return order is null ? NotFound(orderId) : TypedResults.Ok(OrderView.From(order));
        }
        catch (OrderingDomainException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "Order can no longer be cancelled", ex.Message);
        }
    }

    private static async Task<Order> PlaceFromCartAsync(Guid orderId, string userId, PlaceOrderRequest request, OrderServices services, CancellationToken cancellationToken)
    {
        var items = await services.Cart.GetItemsAsync(userId, cancellationToken);
        if (items.Count == 0)
        {
            throw new OrderRejectedException("Cart is empty", "Add products to the cart before checking out.");
        }

        var productIds = items.Select(i => i.ProductId).Distinct(StringComparer.Ordinal).ToList();
        var prices = await services.Catalog.GetPricesAsync(productIds, cancellationToken);
        var unavailable = productIds.Where(id => !prices.ContainsKey(id)).ToList();
        if (unavailable.Count > 0)
        {
            throw new OrderRejectedException("Products unavailable", $"No longer sold: {string.Join(", ", unavailable)}. Remove them from the cart.");
        }

        var lines = items
            .GroupBy(i => i.ProductId, StringComparer.Ordinal)
            .Select(g => new OrderLine(g.Key, prices[g.Key].Title, prices[g.Key].Price, g.Sum(i => i.Quantity)))
            .ToList();
        try
        {
            return await services.Orders.PlaceAsync(orderId, userId, lines, request.DeliveryAddress, CheckoutKind.Cart, cancellationToken);
        }
        catch (OrderingDomainException ex)
        {
            throw new OrderRejectedException("Order rejected", ex.Message);
        }
    }

    /// <summary>The draft's header is a structured-field string (quoted); a bare token is accepted too.</summary>
    internal static string? ReadIdempotencyKey(HttpRequest request)
    {
        var values = request.Headers[IdempotencyKeyHeader];
        if (values.Count != 1)
        {
            return null;
        }
        var key = values[0]!.Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }
        return IdempotencyRules.IsValidKey(key) ? key : null;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    internal static async Task<byte[]?> ReadBoundedBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    internal static ContentHttpResult StoredResponse(HttpContext http, int statusCode, string body, string? location)
    {
        if (location is not null)
        {
            http.Response.Headers.Location = location;
        }
        return TypedResults.Text(body, "application/json", statusCode: statusCode);
    }

    internal static ProblemHttpResult Unauthenticated() =>
        Problem(StatusCodes.Status401Unauthorized, "Authentication required", "Orders belong to a signed-in user.");

    private static ProblemHttpResult NotFound(Guid orderId) =>
        Problem(StatusCodes.Status404NotFound, "Order not found", $"No order {orderId} for this user.");

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
