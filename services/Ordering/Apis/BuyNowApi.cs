using System.Security.Cryptography;
using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Ordering.Apis;

/// <summary>The body of <c>POST /api/orders/buy-now</c>: one product, how many, optionally where to.</summary>
public sealed record BuyNowRequest(string? ProductId = null, int Quantity = 1, string? DeliveryAddress = null);

/// <summary>The product a buy-now names is not sold (unknown to inventory or catalog): 404.</summary>
public sealed class ProductNotFoundException(string productId) : Exception($"No product '{productId}' is on sale.");

/// <summary>
/// Buy now: one product straight to an order, the flash-sale path. A sold-out gate answers first from memory, so
/// the common case of a sale — no stock left — costs no state-store access, no order and no saga. Otherwise it is
/// checkout with the same Idempotency-Key semantics, priced by catalog, without reading the cart.
/// </summary>
public static class BuyNowApi
{
    /// <summary>Problem types (RFC 9457) a client can branch on without parsing titles.</summary>
    public const string SoldOutProblemType = "https://flipkart.dapr.dev/problems/sold-out";
    public const string PurchaseLimitProblemType = "https://flipkart.dapr.dev/problems/purchase-limit";

    private const int MaxProductIdLength = 128;

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> BuyNow(HttpContext http, OrderServices services, CancellationToken cancellationToken)
    {
        if (CallerIdentity.From(http) is not { } caller)
        {
            return OrdersApi.Unauthenticated();
        }

        var key = OrdersApi.ReadIdempotencyKey(http.Request);
        if (key is null)
        {
            return OrdersApi.Problem(StatusCodes.Status400BadRequest, "Idempotency-Key required",
                $"Send a unique {OrdersApi.IdempotencyKeyHeader} header (at most {IdempotencyRules.MaxKeyLength} printable ASCII characters) so a retried purchase cannot create a second order.");
        }

        var settings = services.Options;
        var body = await OrdersApi.ReadBoundedBodyAsync(http.Request, settings.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
        {
            return OrdersApi.Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A buy-now body may have at most {settings.MaxRequestBodyBytes} bytes.");
        }

        BuyNowRequest request;
        try
        {
            request = body.Length == 0 ? new BuyNowRequest() : JsonSerializer.Deserialize<BuyNowRequest>(body, services.Json) ?? new BuyNowRequest();
        }
        catch (JsonException ex)
        {
            // Includes client-supplied price, title or total: unknown members are rejected, never bound.
            return OrdersApi.Problem(StatusCodes.Status400BadRequest, "Malformed request", ex.Message);
        }
        if (string.IsNullOrWhiteSpace(request.ProductId) || request.ProductId.Length > MaxProductIdLength || request.ProductId.Any(char.IsControl))
        {
            return OrdersApi.Problem(StatusCodes.Status400BadRequest, "Invalid product id", $"productId is required: 1 to {MaxProductIdLength} characters.");
        }
        if (request.Quantity < 1 || request.Quantity > settings.MaxBuyNowQuantity)
        {
            return OrdersApi.Problem(StatusCodes.Status400BadRequest, "Invalid quantity", $"quantity must be between 1 and {settings.MaxBuyNowQuantity}.");
        }
        if (request.DeliveryAddress?.Length > Order.MaxDeliveryAddressLength)
        {
            return OrdersApi.Problem(StatusCodes.Status400BadRequest, "Invalid delivery address", $"At most {Order.MaxDeliveryAddressLength} characters.");
        }

        // Before the Idempotency-Key is claimed: a refusal here touches no store. The gate only refuses early;
        // whether a unit is really left is decided by inventory's reservation.
        var (decision, availability) = await services.SoldOutGate.CheckAsync(request.ProductId, request.Quantity, cancellationToken);
        switch (decision)
        {
            case GateDecision.SoldOut:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Sold out", type: SoldOutProblemType,
                    detail: $"Product '{request.ProductId}' is sold out.");
            case GateDecision.OverPurchaseLimit:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Purchase limit exceeded", type: PurchaseLimitProblemType,
                    detail: $"At most {availability!.PerUserLimit} of product '{request.ProductId}' per buyer.");
            case GateDecision.UnknownProduct:
                return OrdersApi.Problem(StatusCodes.Status404NotFound, "Product not found", new ProductNotFoundException(request.ProductId).Message);
        }

        // The path is part of the fingerprint: the same key sent to checkout and to buy-now is a reuse (422).
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData([.. "buy-now\n"u8, .. body]));
        return await OrdersApi.PlaceIdempotentlyAsync(http, services, caller.UserId, key, fingerprint,
            (orderId, token) => PlaceAsync(orderId, caller.UserId, request, services, token), cancellationToken);
    }

    private static async Task<Order> PlaceAsync(Guid orderId, string userId, BuyNowRequest request, OrderServices services, CancellationToken cancellationToken)
    {
        var productId = request.ProductId!;
        var prices = await services.Catalog.GetPricesAsync([productId], cancellationToken);
        if (!prices.TryGetValue(productId, out var price))
        {
            throw new ProductNotFoundException(productId);
        }
        var lines = new[] { new OrderLine(productId, price.Title, price.Price, request.Quantity) };
        try
        {
            return await services.Orders.PlaceAsync(orderId, userId, lines, request.DeliveryAddress, CheckoutKind.BuyNow, cancellationToken);
        }
        catch (OrderingDomainException ex)
        {
            throw new Services.OrderRejectedException("Order rejected", ex.Message);
        }
    }
}
