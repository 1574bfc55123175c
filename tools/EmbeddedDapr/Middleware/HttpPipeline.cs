using System.Globalization;
using System.Net;
using System.Text;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Middleware;

/// <summary>A loaded <c>middleware.http.*</c> component.</summary>
public sealed record MiddlewareComponent(string Name, string Type, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// An HTTP pipeline as daprd builds it from a Configuration: the handlers in order, each naming a middleware
/// component. A handler whose component is not loaded (or has another type) is skipped silently, as daprd does.
/// Only <c>middleware.http.ratelimit</c> is implemented; any other middleware type is refused loudly rather than
/// ignored, because silently skipping e.g. a bearer check would make a test pass that production fails.
/// </summary>
public sealed class HttpPipeline
{
    private HttpPipeline(IReadOnlyList<RateLimiter> limiters) => Limiters = limiters;

    public static HttpPipeline Empty { get; } = new([]);

    public IReadOnlyList<RateLimiter> Limiters { get; }

    public bool IsEmpty => Limiters.Count == 0;

    /// <summary>Builds the pipeline; <paramref name="findComponent"/> looks a component up by name (null = not loaded).</summary>
    /// <exception cref="RateLimitConfigurationException">A referenced ratelimit component has invalid metadata.</exception>
    /// <exception cref="NotSupportedException">A handler refers to a middleware type this sidecar does not implement.</exception>
    public static HttpPipeline Build(IEnumerable<PipelineHandler> handlers, Func<string, MiddlewareComponent?> findComponent, TimeProvider? time = null)
    {
        var limiters = new List<RateLimiter>();
        foreach (var handler in handlers)
        {
            var component = findComponent(handler.Name);
            if (component is null || !string.Equals(component.Type, handler.Type, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!string.Equals(component.Type, RateLimiter.ComponentType, StringComparison.OrdinalIgnoreCase))
            {
                throw new NotSupportedException(
                    $"middleware component '{component.Name}' has type '{component.Type}', which the embedded sidecar does not implement (only {RateLimiter.ComponentType})");
            }

            limiters.Add(RateLimiter.FromMetadata(component.Metadata, time));
        }

        return limiters.Count == 0 ? Empty : new HttpPipeline(limiters);
    }

    /// <summary>Component-load validation: daprd fails a ratelimit component with a non-positive rate at init.</summary>
    public static void ValidateComponent(MiddlewareComponent component)
    {
        if (string.Equals(component.Type, RateLimiter.ComponentType, StringComparison.OrdinalIgnoreCase))
        {
            _ = RateLimiter.FromMetadata(component.Metadata);
        }
    }

    /// <summary>Applies the pipeline to requests arriving at the sidecar's HTTP API (Configuration <c>httpPipeline</c>).</summary>
    public RequestDelegate Wrap(RequestDelegate next)
    {
        if (IsEmpty)
        {
            return next;
        }

        return context =>
        {
            var key = RateLimiter.ClientKey(
                context.Connection.RemoteIpAddress,
                context.Request.Headers["X-Forwarded-For"].ToString(),
                context.Request.Headers["X-Real-IP"].ToString());
            foreach (var limiter in Limiters)
            {
                if (!limiter.TryAcquire(key))
                {
                    // tollbooth describes the rejection in these headers.
                    var headers = context.Response.Headers;
                    headers["X-Rate-Limit-Limit"] = limiter.MaxRequestsPerSecond.ToString("F2", CultureInfo.InvariantCulture);
                    headers["X-Rate-Limit-Duration"] = "1";
                    if (context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwardedFor)
                    {
                        headers["X-Rate-Limit-Request-Forwarded-For"] = forwardedFor;
                    }

                    headers["X-Rate-Limit-Request-Remote-Addr"] = context.Connection.RemoteIpAddress is { } remote
                        ? new IPEndPoint(remote, context.Connection.RemotePort).ToString()
                        : string.Empty;
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.Response.ContentType = RateLimiter.LimitedContentType;
                    return context.Response.WriteAsync(RateLimiter.LimitedBody);
                }
            }

            return next(context);
        };
    }

    /// <summary>
    /// Applies the pipeline to calls the sidecar makes into its app (Configuration <c>appHttpPipeline</c>): a
    /// limited call never reaches the app and the sidecar sees daprd's 429 as the app's answer.
    /// </summary>
    public HttpMessageHandler WrapAppChannel(HttpMessageHandler inner) =>
        IsEmpty ? inner : new AppPipelineHandler(this) { InnerHandler = inner };

    private sealed class AppPipelineHandler(HttpPipeline pipeline) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // An outgoing request has no remote address; only forwarding headers can tell clients apart.
            var key = RateLimiter.ClientKey(
                null,
                request.Headers.TryGetValues("X-Forwarded-For", out var forwarded) ? string.Join(',', forwarded) : null,
                request.Headers.TryGetValues("X-Real-IP", out var real) ? real.FirstOrDefault() : null);
            foreach (var limiter in pipeline.Limiters)
            {
                if (!limiter.TryAcquire(key))
                {
                    return Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests)
                    {
                        RequestMessage = request,
                        Content = new StringContent(RateLimiter.LimitedBody, Encoding.UTF8, "text/plain"),
                    });
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

public static class HttpPipelineApplicationBuilderExtensions
{
    /// <summary>Puts the Configuration's <c>httpPipeline</c> in front of the sidecar's HTTP API.</summary>
    public static IApplicationBuilder UseDaprHttpPipeline(this IApplicationBuilder app, HttpPipeline pipeline) =>
        pipeline.IsEmpty ? app : app.Use(pipeline.Wrap);
}
