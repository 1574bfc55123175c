using System.Text;
using System.Text.Json;
using Flipkart.Storefront.Gateway;

namespace Flipkart.Storefront.Session;

/// <summary>The signed-in shopper as the storefront knows them: the gateway's token and the user id inside it.</summary>
public sealed record SignedInUser(string UserId, string Token, DateTimeOffset ExpiresAt);

/// <summary>A one-shot message carried across a redirect (post/redirect/get) in a short-lived cookie.</summary>
public sealed record FlashMessage(string Kind, string Title, string? Detail);

/// <summary>
/// Cookies of the storefront. The token lives in an HttpOnly, SameSite=Strict cookie: scripts cannot read it and
/// no other site can make the browser send it. The storefront does not validate the token: the gateway does.
/// </summary>
public static class UserSession
{
    public const string TokenCookie = "sf_token";
    public const string FlashCookie = "sf_flash";

    public static SignedInUser? Current(HttpContext context)
    {
        if (context.Request.Cookies[TokenCookie] is not { Length: > 0 } token || ReadClaims(token) is not { } claims)
        {
            return null;
        }
        return claims.ExpiresAt <= DateTimeOffset.UtcNow ? null : new SignedInUser(claims.UserId, token, claims.ExpiresAt);
    }

    public static void SignIn(HttpContext context, DevToken token) =>
        context.Response.Cookies.Append(TokenCookie, token.AccessToken, CookieOptions(context, token.ExpiresAt));

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(TokenCookie, CookieOptions(context, null));

    public static void Flash(HttpContext context, FlashMessage message) =>
        context.Response.Cookies.Append(FlashCookie,
            Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(message, GatewayApi.Json)),
            CookieOptions(context, DateTimeOffset.UtcNow.AddMinutes(1)));

    public static void Flash(HttpContext context, ApiProblem problem) =>
        Flash(context, new FlashMessage("error", problem.Title, problem.Detail));

    /// <summary>Reads and clears the pending message; call before the response starts (static rendering).</summary>
    public static FlashMessage? TakeFlash(HttpContext context)
    {
        if (context.Request.Cookies[FlashCookie] is not { Length: > 0 } value)
        {
            return null;
        }
        if (!context.Response.HasStarted)
        {
            context.Response.Cookies.Delete(FlashCookie, CookieOptions(context, null));
        }
        try
        {
            return JsonSerializer.Deserialize<FlashMessage>(Convert.FromBase64String(value), GatewayApi.Json);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Only paths of this site are followed after sign-in, so a crafted link cannot send the shopper elsewhere.</summary>
    public static string LocalPath(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";

    private static CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        IsEssential = true,
        Path = "/",
        Expires = expires,
    };

    private static (string UserId, DateTimeOffset ExpiresAt)? ReadClaims(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            var root = document.RootElement;
            var sub = root.TryGetProperty("sub", out var s) ? s.GetString() : null;
            var exp = root.TryGetProperty("exp", out var e) && e.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MaxValue;
            return sub is { Length: > 0 } ? (sub, exp) : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
