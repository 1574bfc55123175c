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
    public static IApplicationBuilder UseRetryAfterOn503(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        context.Response.OnStarting(AddRetryAfter, context);
        return next(context);
    });

    // One static callback with the context as its state: no closure allocated per request.
    private static readonly Func<object, Task> AddRetryAfter = static state =>
    {
        var response = ((HttpContext)state).Response;
        if (response.StatusCode == StatusCodes.Status503ServiceUnavailable && !response.Headers.ContainsKey("Retry-After"))
        {
            response.Headers.RetryAfter = InfrastructureFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        return Task.CompletedTask;
    };
}
