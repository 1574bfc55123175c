using System.Globalization;
using Flipkart.Storefront.Gateway;
using Flipkart.Storefront.Session;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Flipkart.Storefront.Apis;

/// <summary>
/// The storefront's form posts (plain HTML forms with an antiforgery token, so they work without JavaScript). Each one
/// calls the gateway and redirects (post/redirect/get); errors travel to the next page as a one-shot message.
/// </summary>
public static class ActionsApi
{
    public static IEndpointRouteBuilder MapStorefrontActions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signin", SignIn).ExcludeFromDescription();
        app.MapPost("/account/signout", SignOut).ExcludeFromDescription();
        app.MapPost("/cart/add", AddToCart).ExcludeFromDescription();
        app.MapPost("/cart/update", UpdateCart).ExcludeFromDescription();
        app.MapPost("/cart/remove", RemoveFromCart).ExcludeFromDescription();
        app.MapPost("/checkout/place", PlaceOrder).ExcludeFromDescription();
        app.MapPost("/orders/{orderId:guid}/return", ReturnOrder).ExcludeFromDescription();
        return app;
    }

    public static async Task<IResult> SignIn([FromForm] string? userId, [FromForm] string? otherUserId, [FromForm] string? returnUrl, HttpContext context,
        GatewayApi api, IOptions<StorefrontOptions> options, IWebHostEnvironment environment, CancellationToken ct)
    {
        if (!DevSignInEnabled(options.Value, environment))
        {
            return Results.NotFound();
        }
        var result = await api.IssueDevTokenAsync((string.IsNullOrWhiteSpace(otherUserId) ? userId : otherUserId)?.Trim() ?? "", ct);
        if (!result.IsSuccess)
        {
            UserSession.Flash(context, result.Problem!);
            return Results.LocalRedirect("/signin?returnUrl=" + Uri.EscapeDataString(UserSession.LocalPath(returnUrl)));
        }
        UserSession.SignIn(context, result.Required);
        return Results.LocalRedirect(UserSession.LocalPath(returnUrl));
    }

    public static IResult SignOut(HttpContext context)
    {
        UserSession.SignOut(context);
        return Results.LocalRedirect("/");
    }

    public static async Task<IResult> AddToCart([FromForm] string? productId, [FromForm] string? quantity, HttpContext context, GatewayApi api, CancellationToken ct)
    {
        var back = $"/product/{Uri.EscapeDataString(productId ?? "")}";
        if (UserSession.Current(context) is not { } user)
        {
            return Results.LocalRedirect("/signin?returnUrl=" + Uri.EscapeDataString(back));
        }
        if (string.IsNullOrEmpty(productId) || ParseQuantity(quantity, min: 1) is not { } add)
        {
            return Fail(context, back, "Choose a quantity", "The quantity must be a whole number from 1 to 10.");
        }

        // The cart API sets a line's quantity; "add" means on top of what is already there.
        var cart = await api.GetCartAsync(user.Token, ct);
        if (!cart.IsSuccess)
        {
            return Fail(context, back, cart.Problem!);
        }
        var existing = cart.Required.Lines.FirstOrDefault(l => l.ProductId == productId)?.Quantity ?? 0;
        var updated = await api.SetCartQuantityAsync(user.Token, productId, existing + add, ct);
        if (!updated.IsSuccess)
        {
            return Fail(context, back, updated.Problem!);
        }
        var title = updated.Required.Lines.FirstOrDefault(l => l.ProductId == productId)?.Title ?? productId;
        UserSession.Flash(context, new FlashMessage("success", "Added to your cart", $"{add} × {title}"));
        return Results.LocalRedirect("/cart");
    }

    public static async Task<IResult> UpdateCart([FromForm] string? productId, [FromForm] string? quantity, HttpContext context, GatewayApi api, CancellationToken ct)
    {
        if (UserSession.Current(context) is not { } user)
        {
            return Results.LocalRedirect("/signin?returnUrl=%2Fcart");
        }
        if (string.IsNullOrEmpty(productId) || ParseQuantity(quantity, min: 0) is not { } count)
        {
            return Fail(context, "/cart", "Choose a quantity", "The quantity must be a whole number from 0 to 10.");
        }
        var result = count == 0
            ? await api.RemoveFromCartAsync(user.Token, productId, ct)
            : await api.SetCartQuantityAsync(user.Token, productId, count, ct);
        return result.IsSuccess ? Results.LocalRedirect("/cart") : Fail(context, "/cart", result.Problem!);
    }

    public static async Task<IResult> RemoveFromCart([FromForm] string? productId, HttpContext context, GatewayApi api, CancellationToken ct)
    {
        if (UserSession.Current(context) is not { } user)
        {
            return Results.LocalRedirect("/signin?returnUrl=%2Fcart");
        }
        var result = await api.RemoveFromCartAsync(user.Token, productId ?? "", ct);
        if (!result.IsSuccess)
        {
            return Fail(context, "/cart", result.Problem!);
        }
        UserSession.Flash(context, new FlashMessage("success", "Removed from your cart", null));
        return Results.LocalRedirect("/cart");
    }

    /// <summary>
    /// Places the order with the Idempotency-Key the checkout page rendered, so a double submit (two posts, one key)
    /// yields one order: the second post waits out the first one's "in progress" answer and gets its replay.
    /// </summary>
    public static async Task<IResult> PlaceOrder([FromForm] string? idempotencyKey, [FromForm] string? deliveryAddress, HttpContext context,
        GatewayApi api, ILoggerFactory loggers)
    {
        if (UserSession.Current(context) is not { } user)
        {
            return Results.LocalRedirect("/signin?returnUrl=%2Fcheckout");
        }
        if (!Guid.TryParse(idempotencyKey, out var key))
        {
            return Fail(context, "/checkout", "Please try again", "The checkout form was incomplete; it has been reloaded.");
        }

        var address = string.IsNullOrWhiteSpace(deliveryAddress) ? null : deliveryAddress.Trim();
        // Not tied to this request's abort: a double submit aborts the first post, whose answer the second one awaits.
        var result = await Checkouts.PlaceOnceAsync(user.UserId, key.ToString(), () => PlaceWithRetriesAsync(api, user.Token, key.ToString(), address, CancellationToken.None));
        if (!result.IsSuccess)
        {
            return Fail(context, "/checkout", result.Problem!);
        }
        loggers.CreateLogger(typeof(ActionsApi)).LogInformation("Order {OrderId} placed for {UserId}", result.Required.OrderId, user.UserId);
        return Results.LocalRedirect($"/orders/{result.Required.OrderId}");
    }

    /// <summary>
    /// The gateway answers 409 while the first request with a key is still running. Waiting a second between tries
    /// (its Retry-After) keeps a slow checkout from turning into a burst of refusals against ordering.
    /// </summary>
    private static async Task<ApiResult<OrderAccepted>> PlaceWithRetriesAsync(GatewayApi api, string token, string key, string? address, CancellationToken ct)
    {
        var result = await api.PlaceOrderAsync(token, key, address, ct);
        for (var attempt = 0; attempt < 15 && result.Status == StatusCodes.Status409Conflict; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            result = await api.PlaceOrderAsync(token, key, address, ct);
        }
        return result;
    }

    public static async Task<IResult> ReturnOrder(Guid orderId, [FromForm] string? reason, HttpContext context, GatewayApi api, CancellationToken ct)
    {
        var back = $"/orders/{orderId}";
        if (UserSession.Current(context) is not { } user)
        {
            return Results.LocalRedirect("/signin?returnUrl=" + Uri.EscapeDataString(back));
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            return Fail(context, back, "Tell us why", "Choose or write a reason for the return.");
        }
        // Ordering answers a second request, a closed window or an order not yet delivered with 409 and the reason.
        var result = await api.ReturnOrderAsync(user.Token, orderId, reason.Trim(), ct);
        if (!result.IsSuccess)
        {
            return Fail(context, back, result.Problem!);
        }
        UserSession.Flash(context, new FlashMessage("success", "Return requested", "The courier will collect it; you are refunded once it passes inspection."));
        return Results.LocalRedirect(back);
    }

    public static bool DevSignInEnabled(StorefrontOptions options, IWebHostEnvironment environment) =>
        options.DevSignIn ?? environment.IsDevelopment();

    private static int? ParseQuantity(string? text, int min) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= 10 ? n : null;

    private static IResult Fail(HttpContext context, string back, string title, string detail)
    {
        UserSession.Flash(context, new FlashMessage("error", title, detail));
        return Results.LocalRedirect(back);
    }

    private static IResult Fail(HttpContext context, string back, ApiProblem problem)
    {
        UserSession.Flash(context, problem);
        return Results.LocalRedirect(back);
    }
}
