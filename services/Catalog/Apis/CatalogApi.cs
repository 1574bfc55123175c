using System.Text.RegularExpressions;
using Flipkart.Catalog.Domain;
using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Flipkart.Catalog.Apis;

public static partial class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/catalog").WithTags("Catalog");

        api.MapGet("categories", GetCategories).WithName("GetCategories").WithSummary("List categories with their product counts");
        api.MapGet("products", SearchProducts).WithName("SearchProducts")
            .WithSummary("Search and filter products, with relevance ranking and brand/category facets");
        api.MapGet("products/{id}", GetProduct).WithName("GetProduct").WithSummary("Get one product");
        api.MapPost("products/batch", GetProductsBatch).WithName("GetProductsBatch")
            .WithSummary("Get many products by id (used to price carts and orders)");
        api.MapPut("products/{id}", UpdateProduct).WithName("UpdateProduct").WithSummary("Update a product's listing (admin)")
            .RequireAuthorization(CallerAuthentication.AdminPolicy);

        return app;
    }

    public static Results<Ok<IReadOnlyList<CategorySummary>>, ProblemHttpResult> GetCategories([AsParameters] CatalogServices services, HttpContext context) =>
        services.Index.Current is { } index ? TypedResults.Ok(index.CategorySummaries()) : NotReady(context);

    public static Results<Ok<SearchResult>, ValidationProblem, ProblemHttpResult> SearchProducts(
        [AsParameters] RawSearchRequest request, [AsParameters] CatalogServices services, HttpContext context)
    {
        if (!SearchRequestParser.TryParse(request, services.Options.Value.SearchLimits, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid search");
        }
        return services.Index.Current is { } index ? TypedResults.Ok(index.Search(query)) : NotReady(context);
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> GetProduct(
        string id, [AsParameters] CatalogServices services, HttpContext context, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return InvalidId();
        }
        if (services.Index.Current is not { } index)
        {
            return NotReady(context);
        }
        // The index knows every id, so unknown ids never reach (or pollute) the cache.
        if (!index.Contains(id) || await services.Details.GetAsync(id, cancellationToken) is not { } product)
        {
            throw new ProductNotFoundException(id);
        }
        return TypedResults.Ok(product);
    }

    public static async Task<Results<Ok<ProductBatch>, ValidationProblem>> GetProductsBatch(
        ProductBatchRequest request, [AsParameters] CatalogServices services, CancellationToken cancellationToken)
    {
        var ids = request.Ids?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        if (ids.Length == 0 || ids.Length > services.Options.Value.MaxBatchIds || !ids.All(IsValidId))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["ids"] = [$"Give 1 to {services.Options.Value.MaxBatchIds} valid product ids."] },
                title: "Invalid batch");
        }

        // Read from the store, not the index: prices for carts and orders must be the latest saved.
        var products = await services.Store.GetManyAsync(ids, cancellationToken);
        var found = products.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        return TypedResults.Ok(new ProductBatch(products, ids.Where(id => !found.Contains(id)).ToArray()));
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> UpdateProduct(
        string id, ProductUpdate update, CallerIdentity caller, ProductEditor editor, CatalogIndex index, HttpContext context, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return InvalidId();
        }
        if (!index.IsReady)
        {
            return NotReady(context);
        }
        return TypedResults.Ok(await editor.UpdateAsync(id, update, caller.UserId, cancellationToken));
    }

    internal static bool IsValidId(string id) => ProductId().IsMatch(id);

    private static ValidationProblem InvalidId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["A product id is 1-64 letters, digits, '-' or '_'."] }, title: "Invalid product id");

    private static ProblemHttpResult NotReady(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "2";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Catalog is starting", detail: "The search index is still loading.");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ProductId();
}

public sealed record ProductBatchRequest(IReadOnlyList<string>? Ids);

public sealed record ProductBatch(IReadOnlyList<Product> Products, IReadOnlyList<string> Missing);
