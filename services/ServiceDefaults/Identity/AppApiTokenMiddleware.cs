using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// App ↔ sidecar trust: when <c>APP_API_TOKEN</c> is configured (daprd's <c>dapr.io/app-token-secret</c>), daprd sends
/// it as <c>dapr-api-token</c> on every call to the app, so a request without it did not come through our sidecar and
/// is refused with 401. Health probes stay open: the kubelet and DevHost call them directly.
/// </summary>
internal sealed class AppApiTokenMiddleware(RequestDelegate next, string token)
{
    public const string Header = "dapr-api-token";

    // Tokens are short; a presented value is encoded onto the stack, so the check allocates nothing per request.
    private const int StackLimit = 256;

    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    // Not async: on the accepted path this is one call deeper, not another state machine per request.
    public Task InvokeAsync(HttpContext context)
    {
        if (Matches(context.Request.Headers[Header]) || LoggingLevels.IsProbe(context.Request.Path))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "Only this service's Dapr sidecar may call it.").ExecuteAsync(context);
    }

    /// <summary>
    /// Exactly one header value equal to the token, compared in constant time (a wrong guess learns nothing about how
    /// much of it was right; only a wrong length is refused early, as the comparison itself does).
    /// </summary>
    internal bool Matches(StringValues presented)
    {
        if (presented.Count != 1 || presented[0] is not { Length: > 0 } text || Encoding.UTF8.GetByteCount(text) != _expected.Length)
        {
            return false;
        }
        var bytes = _expected.Length <= StackLimit ? stackalloc byte[_expected.Length] : new byte[_expected.Length];
        Encoding.UTF8.GetBytes(text, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes, _expected);
    }
}
