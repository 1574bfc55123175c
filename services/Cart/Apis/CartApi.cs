using Flipkart.Cart.Domain;
using Flipkart.Cart.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Cart.Apis;

public static class CartApi
{
    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/cart")
            .WithTags("Cart")
            .AddEndpointFilter(RequireCaller);

        api.MapGet("/", GetCart).WithName("GetCart");
        api.MapPut("/items/{productId}", SetItem).WithName("SetCartItem");
        api.MapDelete("/items/{productId}", RemoveItem).WithName("RemoveCartItem");
        api.MapDelete("/", ClearCart).WithName("ClearCart");
        return app;
    }

    public static async Task<Ok<CartResponse>> GetCart(HttpContext context, CartStore store, CancellationToken cancellationToken)
    {
        var cart = await store.GetAsync(Caller(context), cancellationToken);
        return TypedResults.Ok(CartResponse.From(cart));
    }

    public static async Task<Results<Ok<CartResponse>, ProblemHttpResult>> SetItem(
        string productId, SetQuantityRequest request, HttpContext context, CartStore store, CatalogClient catalog, CancellationToken cancellationToken)
    {
        if (!ShoppingCart.IsValidProductId(productId))
        {
            return BadRequest("Invalid product id", "Product ids are 1-64 letters, digits, '-' or '_'.");
        }
        try
        {
            ShoppingCart.EnsureValidQuantity(request.Quantity);

            // The snapshot comes from Catalog on every change, so a cart never carries a price the client chose.
            var product = await catalog.FindProductAsync(productId, cancellationToken);
            if (product is null)
            {
                return TypedResults.Problem($"Product '{productId}' does not exist.", statusCode: StatusCodes.Status404NotFound, title: "Unknown product");
            }

            var cart = await store.UpdateAsync(Caller(context), (cart, now) =>
            {
                cart.SetLine(productId, request.Quantity, product, now);
                return true;
            }, cancellationToken);
            return TypedResults.Ok(CartResponse.From(cart));
        }
        catch (CartDomainException ex)
        {
            return BadRequest("Invalid cart change", ex.Message);
        }
        catch (CartConcurrencyException ex)
        {
            return ConcurrencyConflict(ex);
        }
        catch (CatalogUnavailableException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Catalog unavailable");
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveItem(string productId, HttpContext context, CartStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.UpdateAsync(Caller(context), (cart, now) => cart.RemoveLine(productId, now), cancellationToken);
            return TypedResults.NoContent();
        }
        catch (CartConcurrencyException ex)
        {
            return ConcurrencyConflict(ex);
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ClearCart(HttpContext context, CartStore store, CancellationToken cancellationToken)
    {
        try
        {
            // Emptied rather than deleted: the cart keeps its memory of confirmed orders (see ApplyOrderConfirmed).
            await store.UpdateAsync(Caller(context), (cart, now) => cart.Clear(now), cancellationToken);
            return TypedResults.NoContent();
        }
        catch (CartConcurrencyException ex)
        {
            return ConcurrencyConflict(ex);
        }
    }

    // Anonymous callers never reach a handler, so handlers can rely on an identity.
    private static async ValueTask<object?> RequireCaller(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        CallerIdentity.From(context.HttpContext) is null
            ? TypedResults.Problem("Sign in to use a cart.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized")
            : await next(context);

    private static string Caller(HttpContext context) => CallerIdentity.From(context)!.UserId;

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    private static ProblemHttpResult ConcurrencyConflict(CartConcurrencyException ex) =>
        TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Cart changed concurrently");
}

public sealed record SetQuantityRequest(int Quantity);

public sealed record CartResponse(string UserId, IReadOnlyList<CartLineResponse> Lines, int TotalQuantity, decimal Total, DateTimeOffset? UpdatedAt)
{
    public static CartResponse From(ShoppingCart cart) => new(
        cart.UserId,
        [.. cart.Lines.Select(l => new CartLineResponse(l.ProductId, l.Title, l.UnitPrice, l.Mrp, l.Quantity, l.LineTotal))],
        cart.Lines.Sum(l => l.Quantity),
        cart.Total,
        cart.UpdatedAt == default ? null : cart.UpdatedAt);
}

public sealed record CartLineResponse(string ProductId, string Title, decimal UnitPrice, decimal? Mrp, int Quantity, decimal LineTotal);
