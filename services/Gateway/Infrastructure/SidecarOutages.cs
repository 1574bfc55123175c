using Yarp.ReverseProxy.Forwarder;

namespace Flipkart.Gateway.Infrastructure;

internal static class SidecarOutages
{
    /// <summary>
    /// The gateway's own sidecar did not answer (down, restarting, too slow): an outage like any service's, so a 503
    /// ProblemDetails with Retry-After instead of the proxy's bare 502. A client that gave up is nobody's outage.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseSidecarOutagesAs503(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(async (context, next) =>
        {
            await next();
            if (context.GetForwarderErrorFeature()?.Error is ForwarderError.Request or ForwarderError.RequestTimedOut && !context.Response.HasStarted)
            {
                context.Response.Headers.RetryAfter = "5";
                await ProblemWriter.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                    "The shop cannot be reached right now. Try again shortly.");
            }
        });
        return proxy;
    }
}
