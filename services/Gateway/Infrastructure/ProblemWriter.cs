using Microsoft.AspNetCore.Mvc;

namespace Flipkart.Gateway.Infrastructure;

internal static class ProblemWriter
{
    /// <summary>Every rejection the gateway makes itself is a ProblemDetails, like the services' own.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        var written = await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
        if (!written)
        {
            await context.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Title = title, Detail = detail }, options: null, contentType: "application/problem+json");
        }
    }
}
