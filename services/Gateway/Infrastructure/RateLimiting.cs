using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>
/// One fixed window per signed-in user (token <c>sub</c>, so a user cannot multiply their quota across IPs)
/// and one per client IP for anonymous callers. Probes are never limited. Runs after authentication so the
/// user is known, and before authorization so floods of bad tokens are throttled too.
/// </summary>
internal static class RateLimiting
{
    public static void AddGatewayRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
            limiter.OnRejected = OnRejected;
        });
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
        {
            return RateLimitPartition.GetNoLimiter("probes");
        }

        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue;
        var window = TimeSpan.FromSeconds(options.RateLimitWindowSeconds);
        var userId = context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst("sub")?.Value : null;
        var (key, permits) = userId is not null
            ? ("user:" + userId, options.UserPermitLimit)
            : ("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), options.AnonymousPermitLimit);

        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejected(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue.RateLimitWindowSeconds;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", $"Retry after {retryAfter} s.");
    }
}
