using Flipkart.Cart.Domain;
using Flipkart.Cart.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Cart.Apis;

public static class CartApi
{
    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        // A cart belongs to a signed-in user; anonymous callers get 401 before any handler runs.
        var api = app.MapGroup("api/cart").WithTags("Cart").RequireAuthorization();

        api.MapGet("/", GetCart).WithName("GetCart");
        api.MapPut("/items/{productId}", SetItem).WithName("SetCartItem");
        api.MapDelete("/items/{productId}", RemoveItem).WithName("RemoveCartItem");
        api.MapDelete("/", ClearCart).WithName("ClearCart");
        return app;
    }

    public static async Task<Ok<CartResponse>> GetCart(CallerIdentity caller, CartStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(CartResponse.From(await store.GetAsync(caller.UserId, cancellationToken)));

    public static async Task<Ok<CartResponse>> SetItem(
        string productId, SetQuantityRequest request, CallerIdentity caller, CartStore store, CatalogClient catalog, CancellationToken cancellationToken)
    {
        if (!ShoppingCart.IsValidProductId(productId))
        {
            throw new InvalidRequestException("Invalid product id", "Product ids are 1-64 letters, digits, '-' or '_'.");
        }
        ShoppingCart.EnsureValidQuantity(request.Quantity);

        // The snapshot comes from Catalog on every change, so a cart never carries a price the client chose.
        var product = await catalog.FindProductAsync(productId, cancellationToken)
            ?? throw new NotFoundException("Unknown product", $"Product '{productId}' does not exist.");

        var cart = await store.UpdateAsync(caller.UserId, (cart, now) =>
        {
            cart.SetLine(productId, request.Quantity, product, now);
            return true;
        }, cancellationToken);
        return TypedResults.Ok(CartResponse.From(cart));
    }

    public static async Task<NoContent> RemoveItem(string productId, CallerIdentity caller, CartStore store, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(caller.UserId, (cart, now) => cart.RemoveLine(productId, now), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> ClearCart(CallerIdentity caller, CartStore store, CancellationToken cancellationToken)
    {
        // Emptied rather than deleted: the cart keeps its memory of confirmed orders (see ApplyOrderConfirmed).
        await store.UpdateAsync(caller.UserId, (cart, now) => cart.Clear(now), cancellationToken);
        return TypedResults.NoContent();
    }
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
