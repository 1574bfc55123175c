using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>Checks made before anything else sees a request: exposed surface, sizes and response headers.</summary>
internal static class EdgeGuards
{
    // Dapr's own APIs (sidecar, app callbacks, actors) must never be reachable from outside.
    private static readonly string[] InternalPrefixes = ["/dapr", "/actors", "/v1.0", "/v1.0-alpha1", "/v1.0-beta1"];

    // Service endpoints meant for other services only (through Dapr), never for clients. Dapr access control denies
    // them to the gateway too; answering here keeps them off the public surface whatever the policies say.
    private static readonly string[] InternalOnlyPaths = ["/api/catalog/products/batch"];

    public static IApplicationBuilder UseEdgeGuards(this IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue;
        context.Response.OnStarting(SecureHeaders, context);

        var path = context.Request.Path;
        if (StartsWithAny(path, InternalPrefixes) || StartsWithAny(path, InternalOnlyPaths))
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status404NotFound, "Not found");
            return;
        }

        // A path holding control characters once decoded (%0d%0a, %1b…) names no resource; refused here, it never
        // reaches a sidecar, whose access-control match would fail and come back as a 5xx.
        if (HasControlCharacter(path.Value))
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status400BadRequest, "Malformed path",
                "The path may not contain control characters.");
            return;
        }

        if (context.Request.QueryString.Value?.Length > options.MaxQueryStringLength)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status400BadRequest, "Query string too long",
                $"The query string may be at most {options.MaxQueryStringLength} characters.");
            return;
        }

        // Declared sizes are refused up front; chunked bodies are cut off by the server at the same limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }
        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"Request bodies may be at most {options.MaxRequestBodyBytes} bytes.");
            return;
        }

        await next(context);
    });

    // Every request passes here: a static callback with the context as state, and loops instead of LINQ, so the
    // guards allocate no closures or enumerators per request.
    private static readonly Func<object, Task> SecureHeaders = static state =>
    {
        var headers = ((HttpContext)state).Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.Remove("Server");
        return Task.CompletedTask;
    };

    private static bool StartsWithAny(PathString path, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasControlCharacter(string? path)
    {
        foreach (var c in path ?? "")
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }
        return false;
    }
}
