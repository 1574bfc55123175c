using Dapr;
using Grpc.Core;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Which failures are a service's infrastructure letting it down (state store, broker, actors, the sidecar, a
/// dependency app, contention that outlasted its retries) rather than a defect. Those are answered 503 with
/// Retry-After: the client did nothing wrong and the same request will succeed once the outage passes.
/// </summary>
public static class InfrastructureFailures
{
    /// <summary>Seconds a client should wait before retrying; outages seen in practice (a broker blip, a replica
    /// dropped from placement) last seconds, and the storefront and load tools honour the header.</summary>
    public const int RetryAfterSeconds = 1;

    public static bool IsInfrastructureFailure(Exception exception, CancellationToken requestAborted) => exception switch
    {
        DependencyUnavailableException or ConcurrencyConflictException => true,
        // A store or broker error inside a transaction, an actor host that is gone (ERR_ACTOR_INVOKE_METHOD), an
        // unreachable sidecar. Status codes that can only mean the service sent a malformed call stay defects (500).
        DaprException { InnerException: RpcException rpc } => IsTransient(rpc.StatusCode),
        DaprException => true,
        RpcException rpc => IsTransient(rpc.StatusCode),
        HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException => true,
        // A timeout somewhere below; the client going away is not an outage (answered 499).
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        AggregateException { InnerExceptions: [var single] } => IsInfrastructureFailure(single, requestAborted),
        _ => false,
    };

    private static bool IsTransient(StatusCode status) =>
        status is not (StatusCode.InvalidArgument or StatusCode.Unimplemented or StatusCode.OutOfRange or StatusCode.Unauthenticated);
}
