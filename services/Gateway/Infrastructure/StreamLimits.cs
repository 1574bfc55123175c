using System.Globalization;
using Microsoft.Extensions.Options;
using Flipkart.ServiceDefaults;
using Yarp.ReverseProxy.Model;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>
/// Caps the server-sent event streams one user holds open through this replica (<see cref="GatewayOptions.MaxStreamsPerUser"/>):
/// the next one is refused with 429 before it reaches a service. Runs in the proxy pipeline, after authentication and
/// authorization, and holds the user's slot until the stream ends.
/// </summary>
internal static class StreamLimits
{
    public static IReverseProxyApplicationBuilder UseStreamLimits(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(async (context, next) =>
        {
            var route = context.GetReverseProxyFeature().Route.Config;
            var userId = context.User.FindFirst("sub")?.Value;
            if (route.ClusterId != DaprRoutes.StreamingCluster || userId is null)
            {
                await next();
                return;
            }
            var slots = context.RequestServices.GetRequiredService<PerUserSlots>();
            var max = context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue.MaxStreamsPerUser;
            if (!slots.TryEnter(userId, max))
            {
                context.Response.Headers.RetryAfter = "30";
                await ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many open streams",
                    string.Create(CultureInfo.InvariantCulture, $"At most {max} order-event streams may be open at once; close one first."));
                return;
            }
            try
            {
                await next();
            }
            finally
            {
                slots.Exit(userId);
            }
        });
        return proxy;
    }
}
