using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// App ↔ sidecar trust: when <c>APP_API_TOKEN</c> is configured (daprd's <c>dapr.io/app-token-secret</c>), daprd sends
/// it as <c>dapr-api-token</c> on every call to the app, so a request without it did not come through our sidecar and
/// is refused with 401. Health probes stay open: the kubelet and DevHost call them directly.
/// </summary>
internal sealed class AppApiTokenMiddleware(RequestDelegate next, string token)
{
    public const string Header = "dapr-api-token";

    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || Matches(context.Request.Headers[Header].ToString()))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "Only this service's Dapr sidecar may call it.").ExecuteAsync(context);
    }

    // Constant time, so the comparison leaks nothing about how much of a guess was right.
    private bool Matches(string presented) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _expected);
}
