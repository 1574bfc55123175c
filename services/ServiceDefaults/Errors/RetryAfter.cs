using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults;

internal static class RetryAfter
{
    /// <summary>
    /// Every 503 a service sends says when to come back: the exception handler sets it for outages, a handler that
    /// answers 503 itself (an index still loading) may choose its own delay, and anything else gets the default.
    /// </summary>
    public static IApplicationBuilder UseRetryAfterOn503(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !context.Response.Headers.ContainsKey("Retry-After"))
            {
                context.Response.Headers.RetryAfter = InfrastructureFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }
            return Task.CompletedTask;
        });
        return next(context);
    });
}
