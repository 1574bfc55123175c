using Dapr;
using Flipkart.Ordering.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// Which failures are ordering's infrastructure letting it down (state store, outbox broker, actors, the sidecar, a
/// dependency app) rather than a defect. Those are answered 503 with Retry-After: the client did nothing wrong and
/// the same request (with the same Idempotency-Key) will succeed once the outage passes.
/// </summary>
public static class InfrastructureFailures
{
    /// <summary>Seconds a client should wait before retrying; outages seen in practice (a broker blip, a replica
    /// dropped from placement) last seconds, and the storefront and load tools honour the header.</summary>
    public const int RetryAfterSeconds = 1;

    public static bool IsInfrastructureFailure(Exception exception, CancellationToken requestAborted) => exception switch
    {
        DependencyFailedException or ConcurrencyConflictException => true,
        // A store or broker error inside a transaction, an actor host that is gone (ERR_ACTOR_INVOKE_METHOD), an
        // unreachable sidecar. Status codes that can only mean ordering sent a malformed call stay defects (500).
        DaprException { InnerException: RpcException rpc } => IsTransient(rpc.StatusCode),
        DaprException => true,
        RpcException rpc => IsTransient(rpc.StatusCode),
        HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException => true,
        // A timeout somewhere below; the client going away is not an outage (ServiceDefaults answers 499 for it).
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        AggregateException { InnerExceptions: [var single] } => IsInfrastructureFailure(single, requestAborted),
        _ => false,
    };

    private static bool IsTransient(StatusCode status) =>
        status is not (StatusCode.InvalidArgument or StatusCode.Unimplemented or StatusCode.OutOfRange or StatusCode.Unauthenticated);

    /// <summary>
    /// Maps infrastructure failures of every endpoint in the group to 503 ProblemDetails with Retry-After, and adds
    /// Retry-After to any 503 a handler returns itself.
    /// </summary>
    public static TBuilder WithInfrastructureFailuresAs503<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter<TBuilder, Filter>();
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        return builder;
    }

    private sealed class Filter(ILogger<Filter> logger) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            object? result;
            try
            {
                result = await next(context);
            }
            catch (Exception ex) when (IsInfrastructureFailure(ex, http.RequestAborted))
            {
                logger.LogWarning(ex, "{Method} {Path} answered 503: infrastructure unavailable", http.Request.Method, http.Request.Path);
                // No exception text reaches the client; the log has it.
                result = TypedResults.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Service temporarily unavailable",
                    detail: "Ordering cannot reach its storage or messaging right now. Retry after the Retry-After delay; a checkout retried with the same Idempotency-Key creates at most one order.");
            }

            if (StatusCodeOf(result) == StatusCodes.Status503ServiceUnavailable && !http.Response.Headers.ContainsKey("Retry-After"))
            {
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return result;
        }

        private static int? StatusCodeOf(object? result) => result switch
        {
            INestedHttpResult nested => StatusCodeOf(nested.Result),
            IStatusCodeHttpResult withStatus => withStatus.StatusCode,
            _ => null,
        };
    }
}
