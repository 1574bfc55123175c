using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>daprd's HTTP API-token check: 401 <c>invalid api token</c>; the health endpoints are exempt; the header is stripped.</summary>
internal sealed class ApiTokenMiddleware(RequestDelegate next, SidecarContext sidecar)
{
    public Task InvokeAsync(HttpContext context)
    {
        // gRPC calls are checked by the gRPC interceptor with gRPC statuses.
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            return next(context);
        }
        var expected = sidecar.Options.DaprApiToken;
        if (!string.IsNullOrEmpty(expected))
        {
            var path = context.Request.Path.Value?.TrimEnd('/') ?? "";
            var exempt = path is "/v1.0/healthz" or "/v1.0/healthz/outbound";
            if (!exempt && !string.Equals(context.Request.Headers["dapr-api-token"].ToString(), expected, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.ContentType = "text/plain; charset=utf-8";
                return context.Response.WriteAsync("invalid api token\n");
            }
        }
        context.Request.Headers.Remove("dapr-api-token");
        return next(context);
    }
}

/// <summary>Header-mode invocation: a request carrying <c>dapr-app-id</c> on the HTTP port is proxied, whatever its path.</summary>
internal sealed class HeaderInvocationMiddleware(RequestDelegate next, SidecarContext sidecar, ServiceInvoker invoker)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.LocalPort == sidecar.HttpPort
            && context.Request.Headers.TryGetValue("dapr-app-id", out var appId)
            && !string.IsNullOrEmpty(appId.ToString())
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            return invoker.InvokeAsync(context, appId.ToString(), context.Request.Path.Value?.TrimStart('/') ?? "");
        }
        return next(context);
    }
}
