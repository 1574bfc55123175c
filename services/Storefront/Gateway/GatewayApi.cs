using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flipkart.Storefront.Gateway;

/// <summary>
/// The storefront's only way to the backend: the gateway's public API, called like any client, with the
/// signed-in user's bearer token where the API needs one. Every failure comes back as an <see cref="ApiProblem"/>.
/// </summary>
public sealed class GatewayApi(HttpClient http, Hosting.ShopperAddress shopper, ILogger<GatewayApi> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public Task<ApiResult<IReadOnlyList<CategorySummary>>> GetCategoriesAsync(CancellationToken ct) =>
        SendAsync<IReadOnlyList<CategorySummary>>(HttpMethod.Get, "api/catalog/categories", null, null, null, "load the categories", ct);

    public Task<ApiResult<SearchResult>> SearchAsync(SearchRequest request, int pageSize, CancellationToken ct) =>
        SendAsync<SearchResult>(HttpMethod.Get, "api/catalog/products" + SearchQueryString(request, pageSize), null, null, null, "search the catalog", ct);

    public Task<ApiResult<Product>> GetProductAsync(string id, CancellationToken ct) =>
        SendAsync<Product>(HttpMethod.Get, $"api/catalog/products/{Uri.EscapeDataString(id)}", null, null, null, "load the product", ct);

    /// <summary>
    /// Whether a product can be bought: anonymous, so product pages show it before sign-in. A product without a stock
    /// record (404) comes back as <see cref="Availability.NotStocked"/>: the inventory has nothing to sell.
    /// </summary>
    public async Task<ApiResult<Availability>> GetAvailabilityAsync(string productId, CancellationToken ct)
    {
        var result = await SendAsync<Availability>(HttpMethod.Get, $"api/inventory/{Uri.EscapeDataString(productId)}/availability", null, null, null, "check the stock", ct);
        return result.Status == StatusCodes.Status404NotFound
            ? new ApiResult<Availability>(Availability.NotStocked(productId), null, StatusCodes.Status200OK)
            : result;
    }

    public Task<ApiResult<Cart>> GetCartAsync(string token, CancellationToken ct) =>
        SendAsync<Cart>(HttpMethod.Get, "api/cart", token, null, null, "load your cart", ct);

    public Task<ApiResult<Cart>> SetCartQuantityAsync(string token, string productId, int quantity, CancellationToken ct) =>
        SendAsync<Cart>(HttpMethod.Put, $"api/cart/items/{Uri.EscapeDataString(productId)}", token, new { quantity }, null, "update your cart", ct);

    public Task<ApiResult<Cart>> RemoveFromCartAsync(string token, string productId, CancellationToken ct) =>
        SendAsync<Cart>(HttpMethod.Delete, $"api/cart/items/{Uri.EscapeDataString(productId)}", token, null, null, "update your cart", ct);

    public Task<ApiResult<OrderAccepted>> PlaceOrderAsync(string token, string idempotencyKey, string? deliveryAddress, CancellationToken ct) =>
        SendAsync<OrderAccepted>(HttpMethod.Post, "api/orders", token, new { deliveryAddress },
            new Dictionary<string, string> { [IdempotencyKeyHeader] = idempotencyKey }, "place the order", ct);

    /// <summary>One product straight to an order (the flash-sale path), priced by the catalog; the cart is not touched.</summary>
    public Task<ApiResult<OrderAccepted>> BuyNowAsync(string token, string idempotencyKey, string productId, int quantity, CancellationToken ct) =>
        SendAsync<OrderAccepted>(HttpMethod.Post, "api/orders/buy-now", token, new { productId, quantity },
            new Dictionary<string, string> { [IdempotencyKeyHeader] = idempotencyKey }, "place the order", ct);

    /// <summary>The problem type ordering's sold-out gate answers with (409): nothing left, no order was made.</summary>
    public const string SoldOutProblemType = "https://flipkart.dapr.dev/problems/sold-out";

    public Task<ApiResult<OrderPage>> GetOrdersAsync(string token, int page, CancellationToken ct) =>
        SendAsync<OrderPage>(HttpMethod.Get, $"api/orders?page={page}&pageSize=10", token, null, null, "load your orders", ct);

    public Task<ApiResult<Order>> GetOrderAsync(string token, Guid orderId, CancellationToken ct) =>
        SendAsync<Order>(HttpMethod.Get, $"api/orders/{orderId}", token, null, null, "load the order", ct);

    /// <summary>Sends a delivered order back, with the customer's reason: accepted once, while the return window is open.</summary>
    public Task<ApiResult<Order>> ReturnOrderAsync(string token, Guid orderId, string reason, CancellationToken ct) =>
        SendAsync<Order>(HttpMethod.Post, $"api/orders/{orderId}/return", token, new { reason }, null, "request the return", ct);

    public Task<ApiResult<NotificationPage>> GetNotificationsAsync(string token, CancellationToken ct) =>
        SendAsync<NotificationPage>(HttpMethod.Get, "api/notifications", token, null, null, "load your notifications", ct);

    public Task<ApiResult<DevToken>> IssueDevTokenAsync(string userId, CancellationToken ct) =>
        SendAsync<DevToken>(HttpMethod.Post, "api/auth/dev-token", null, new { userId, roles = new[] { "customer" } }, null, "sign you in", ct);

    /// <summary>The catalog's query string: brands travel comma-separated in one <c>brand</c> parameter.</summary>
    public static string SearchQueryString(SearchRequest request, int pageSize)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }
        Add("q", request.Text);
        Add("category", request.Category);
        Add("brand", request.Brands.Count > 0 ? string.Join(',', request.Brands) : null);
        Add("minPrice", request.MinPrice?.ToString(CultureInfo.InvariantCulture));
        Add("maxPrice", request.MaxPrice?.ToString(CultureInfo.InvariantCulture));
        Add("minRating", request.MinRating?.ToString(CultureInfo.InvariantCulture));
        Add("sort", request.Sort);
        Add("page", request.Page.ToString(CultureInfo.InvariantCulture));
        Add("pageSize", pageSize.ToString(CultureInfo.InvariantCulture));
        return "?" + string.Join('&', parts);
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, string? token, object? body,
        IReadOnlyDictionary<string, string>? headers, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        // The gateway trusts the storefront's network as a proxy, so its per-IP limit counts this shopper, not the pod.
        if (shopper.Current is { } address)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                var problem = ApiProblem.Parse(status, text);
                logger.LogInformation("Gateway answered {Status} to {Method} {Path}: {Title}", status, method, path, problem.Title);
                return new ApiResult<T>(default, problem, status);
            }
            var value = await response.Content.ReadFromJsonAsync<T>(Json, ct);
            return new ApiResult<T>(value, null, status);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Connection refused, timeouts, an open breaker, a malformed body: the shopper gets words, the log the exception.
            logger.LogWarning(e, "Gateway call {Method} {Path} failed", method, path);
            return new ApiResult<T>(default, ApiProblem.Unreachable(what), 503);
        }
    }
}
