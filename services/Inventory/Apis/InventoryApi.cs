using System.Text.RegularExpressions;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Inventory.Apis;

public static partial class InventoryApi
{
    public const int MaxAvailable = 1_000_000;

    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/inventory")
            .WithTags("Inventory")
            .AddEndpointFilter(RequireAdmin);

        api.MapGet("/{productId}", GetStock).WithName("GetStock");
        api.MapPut("/{productId}", SetStock).WithName("SetStock");
        return app;
    }

    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> GetStock(string productId, IStockLedger ledger, CancellationToken cancellationToken)
    {
        if (!IsValidProductId(productId))
        {
            return InvalidProductId();
        }
        var stock = await ledger.GetAsync(productId, cancellationToken);
        return stock is null
            ? TypedResults.Problem($"No stock is recorded for product '{productId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown product")
            : TypedResults.Ok(StockResponse.From(stock));
    }

    /// <summary>Restock or correct: sets the units on the shelf; the change is recorded as received so the ledger balances.</summary>
    public static async Task<Results<Ok<StockResponse>, ProblemHttpResult>> SetStock(
        string productId, SetStockRequest request, IStockLedger ledger, IReservationRecords records, CancellationToken cancellationToken)
    {
        if (!IsValidProductId(productId))
        {
            return InvalidProductId();
        }
        if (request.Available is < 0 or > MaxAvailable)
        {
            return TypedResults.Problem($"available must be between 0 and {MaxAvailable}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid stock");
        }

        await records.AddProductIdAsync(productId, cancellationToken);
        var stock = await ledger.SetAvailableAsync(productId, request.Available, cancellationToken);
        return TypedResults.Ok(StockResponse.From(stock));
    }

    private static async ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        CallerIdentity.From(context.HttpContext) switch
        {
            null => TypedResults.Problem("Sign in as an administrator.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized"),
            { IsAdmin: false } => TypedResults.Problem("Only administrators manage stock.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
            _ => await next(context),
        };

    private static bool IsValidProductId(string productId) => ProductIdPattern().IsMatch(productId);

    private static ProblemHttpResult InvalidProductId() =>
        TypedResults.Problem("Product ids are 1-64 letters, digits, '-' or '_'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid product id");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ProductIdPattern();
}

public sealed record SetStockRequest(int Available);

public sealed record StockResponse(string ProductId, int Available, int Reserved, int Sold)
{
    public static StockResponse From(StockItem stock) => new(stock.ProductId, stock.Available, stock.Reserved, stock.Sold);
}
