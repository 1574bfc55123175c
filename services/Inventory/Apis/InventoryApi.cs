using System.Text.RegularExpressions;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Inventory.Apis;

public static partial class InventoryApi
{
    public const int MaxAvailable = 1_000_000;

    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/inventory").WithTags("Inventory");

        // Open to shoppers (and to ordering's buy-now gate); stock levels and restocks stay admin-only.
        api.MapGet("/{productId}/availability", GetAvailability).WithName("GetAvailability");
        var admin = api.MapGroup("").RequireAuthorization(CallerAuthentication.AdminPolicy);
        admin.MapGet("/{productId}", GetStock).WithName("GetStock");
        admin.MapPut("/{productId}", SetStock).WithName("SetStock");
        return app;
    }

    public static async Task<Results<Ok<AvailabilityResponse>, ProblemHttpResult>> GetAvailability(
        string productId, AvailabilityCache availability, CancellationToken cancellationToken)
    {
        if (!IsValidProductId(productId))
        {
            return InvalidProductId();
        }

        // An unreachable actor or store is an outage the shared handler answers 503 with Retry-After.
        var found = await availability.GetAsync(productId, cancellationToken);
        return found is null
            ? UnknownProduct(productId)
            : TypedResults.Ok(AvailabilityResponse.From(productId, found));
    }

    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> GetStock(string productId, IStockLedger ledger, CancellationToken cancellationToken)
    {
        if (!IsValidProductId(productId))
        {
            return InvalidProductId();
        }
        var stock = await ledger.GetAsync(productId, cancellationToken);
        return stock is null ? UnknownProduct(productId) : TypedResults.Ok(StockResponse.From(stock));
    }

    /// <summary>
    /// Restock or correct: sets the units on the shelf (the change is recorded as received so the ledger balances)
    /// and the per-user purchase cap. The body replaces both: a PUT without <c>perUserLimit</c> removes the cap.
    /// </summary>
    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> SetStock(
        string productId, SetStockRequest request, IStockLedger ledger, IReservationRecords records, AvailabilityCache availability, CancellationToken cancellationToken)
    {
        if (!IsValidProductId(productId))
        {
            return InvalidProductId();
        }
        if (request.Available is < 0 or > MaxAvailable)
        {
            return TypedResults.Problem($"available must be between 0 and {MaxAvailable}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid stock");
        }
        if (request.PerUserLimit is < 1 or > StockItem.MaxPerUserLimit)
        {
            return TypedResults.Problem($"perUserLimit must be between 1 and {StockItem.MaxPerUserLimit}, or null for no cap.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid stock");
        }

        await records.AddProductIdAsync(productId, cancellationToken);
        var stock = await ledger.SetAvailableAsync(productId, request.Available, request.PerUserLimit, cancellationToken);
        availability.Invalidate(productId);
        return TypedResults.Ok(StockResponse.From(stock));
    }

    private static ProblemHttpResult UnknownProduct(string productId) =>
        TypedResults.Problem($"No stock is recorded for product '{productId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown product");

    private static bool IsValidProductId(string productId) => ProductIdPattern().IsMatch(productId);

    private static ProblemHttpResult InvalidProductId() =>
        TypedResults.Problem("Product ids are 1-64 letters, digits, '-' or '_'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid product id");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ProductIdPattern();
}

/// <summary><c>perUserLimit</c>: most units one user may hold and buy (1-100); null or absent means no cap.</summary>
public sealed record SetStockRequest(int Available, int? PerUserLimit = null);

public sealed record StockResponse(string ProductId, int Available, int Reserved, int Sold, int? PerUserLimit = null)
{
    public static StockResponse From(StockItem stock) => new(stock.ProductId, stock.Available, stock.Reserved, stock.Sold, stock.PerUserLimit);
}

/// <summary>Public: what a shopper sees on a product page. <c>perUserLimit</c> is null when there is no cap.</summary>
public sealed record AvailabilityResponse(string ProductId, AvailabilityStatus Status, int Available, int? PerUserLimit)
{
    public static AvailabilityResponse From(string productId, StockAvailability availability) =>
        new(productId, availability.Status, Math.Max(availability.Available, 0), availability.PerUserLimit);
}
