using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Apis;

public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        // Orders belong to signed-in users; a store, broker, actor or sidecar outage is a 503 with Retry-After.
        var api = app.MapGroup("api/orders").WithTags("Orders").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/", PlaceOrder).WithName("PlaceOrder").WithSummary("Check out the caller's cart (requires an Idempotency-Key header)")
            .Accepts<PlaceOrderRequest>("application/json")
            .Produces<OrderAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/buy-now", BuyNow).WithName("BuyNow").WithSummary("Buy one product directly, bypassing the cart (requires an Idempotency-Key header)")
            .Accepts<BuyNowRequest>("application/json")
            .Produces<OrderAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/", GetMyOrders).WithName("GetMyOrders").WithSummary("The caller's orders, newest first");
        api.MapGet("/{orderId:guid}", GetOrder).WithName("GetOrder").WithSummary("One of the caller's orders with its status timeline");
        api.MapPost("/{orderId:guid}/cancel", CancelOrder).WithName("CancelOrder")
            .WithSummary("Cancel an order: until it is paid, or after confirmation until the courier has it (409 with the reason after that)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{orderId:guid}/return", ReturnOrder).WithName("ReturnOrder")
            .WithSummary("Ask to return a delivered order, once, within its return window; the pickup, inspection and refund follow")
            .Accepts<ReturnOrderRequest>("application/json")
            .Produces<OrderView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<PlacementResult> PlaceOrder(
        CallerIdentity caller, IdempotentRequest request, OrderPlacement placement, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var body = request.Read<PlaceOrderRequest>(json.Value.SerializerOptions) ?? new PlaceOrderRequest();
        body.Validate();
        return new(await placement.CheckoutCartAsync(caller.UserId, request.Key, request.Fingerprint(), body.DeliveryAddress, cancellationToken));
    }

    public static async Task<PlacementResult> BuyNow(
        CallerIdentity caller, IdempotentRequest request, OrderPlacement placement, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        IOptionsMonitor<OrderingOptions> options, CancellationToken cancellationToken)
    {
        var body = request.Read<BuyNowRequest>(json.Value.SerializerOptions) ?? new BuyNowRequest();
        body.Validate(options.CurrentValue.MaxBuyNowQuantity);
        return new(await placement.BuyNowAsync(caller.UserId, request.Key, request.Fingerprint("buy-now"), body.ProductId!, body.Quantity,
            body.DeliveryAddress, cancellationToken));
    }

    public static async Task<Ok<OrderPage>> GetMyOrders(
        CallerIdentity caller, OrderService orders, IOptionsMonitor<OrderingOptions> options, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var pageNumber = page ?? 1;
        var size = pageSize ?? 20;
        var maxPageSize = options.CurrentValue.MaxPageSize;
        if (pageNumber < 1 || size < 1 || size > maxPageSize)
        {
            throw new InvalidRequestException("Invalid paging", $"page must be ≥ 1 and pageSize between 1 and {maxPageSize}.");
        }

        var (found, total) = await orders.GetPageAsync(caller.UserId, pageNumber, size, cancellationToken);
        return TypedResults.Ok(new OrderPage([.. found.Select(OrderSummaries.From)], pageNumber, size, total));
    }

    public static async Task<Ok<OrderView>> GetOrder(CallerIdentity caller, Guid orderId, OrderService orders, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(orderId, cancellationToken);
        // Someone else's order is indistinguishable from a missing one. Admins may read any (invariant checks).
        return order is not null && (order.UserId == caller.UserId || caller.IsAdmin)
            ? TypedResults.Ok(OrderView.From(order))
            : throw OrderNotFound(orderId);
    }

    public static async Task<Ok<OrderView>> CancelOrder(
        CallerIdentity caller, Guid orderId, OrderService orders, FulfilmentClient fulfilment, CancellationToken cancellationToken)
    {
        var existing = await orders.GetAsync(orderId, cancellationToken);
        if (existing is null || existing.UserId != caller.UserId)
        {
            throw OrderNotFound(orderId);
        }
        // Confirmed: the parcel may be on its way out. Fulfilment decides the race with the hand-over and either
        // stops the parcel or refuses with the reason (409, passed on as is).
        var fulfilmentAgreed = FulfilmentStages.IsBeforeHandOver(existing.Status);
        if (fulfilmentAgreed)
        {
            await fulfilment.CancelAsync(orderId, caller.UserId, cancellationToken);
        }
        var order = await orders.ApplyAsync(orderId, (o, now) => o.CancelByUser(now, fulfilmentAgreed), cancellationToken);
        return order is null ? throw OrderNotFound(orderId) : TypedResults.Ok(OrderView.From(order));
    }

    public static async Task<Accepted<OrderView>> ReturnOrder(
        CallerIdentity caller, Guid orderId, ReturnOrderRequest request, OrderService orders, FulfilmentClient fulfilment, CancellationToken cancellationToken)
    {
        var reason = request.ValidReason();
        var order = await orders.GetAsync(orderId, cancellationToken);
        if (order is null || order.UserId != caller.UserId)
        {
            throw OrderNotFound(orderId);
        }
        // Fulfilment owns the window and the "once": it accepts or refuses (409 with the reason) atomically.
        await fulfilment.RequestReturnAsync(orderId, caller.UserId, reason, cancellationToken);
        return TypedResults.Accepted($"/api/orders/{orderId}", OrderView.From(order));
    }

    private static NotFoundException OrderNotFound(Guid orderId) => new("Order not found", $"No order {orderId} for this user.");
}

/// <summary>A placement's answer as sent: the stored body, its Location, and <c>Idempotent-Replayed</c> on a replay.</summary>
public sealed class PlacementResult(PlacementAnswer answer) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => answer.StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (answer.Refusal is { } refusal)
        {
            return new ProblemResult(refusal).ExecuteAsync(httpContext);
        }
        if (answer.Location is not null)
        {
            httpContext.Response.Headers.Location = answer.Location;
        }
        if (answer.Replayed)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }
        return TypedResults.Text(answer.Body, "application/json", statusCode: answer.StatusCode).ExecuteAsync(httpContext);
    }
}
