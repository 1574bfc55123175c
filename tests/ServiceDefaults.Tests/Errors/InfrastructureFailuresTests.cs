using Dapr;
using Grpc.Core;
using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.Errors;

/// <summary>Which exceptions are outages (503 with Retry-After) and which stay defects (500).</summary>
[Unit]
public sealed class InfrastructureFailuresTests
{
    public static TheoryData<string, Exception> Outages => new()
    {
        { "store or broker error inside a transaction", new DaprException("State transaction failed", new RpcException(new Status(StatusCode.Internal, "ERR_PUBLISH_OUTBOX"))) },
        { "sidecar not listening", new DaprException("State operation failed", new RpcException(new Status(StatusCode.Unavailable, "connection refused"))) },
        { "actor host gone", new DaprApiException("error invoke actor method", "ERR_ACTOR_INVOKE_METHOD", isTransient: false) },
        { "actor proxy cannot reach the sidecar", new HttpRequestException("Connection refused") },
        { "a dependency app failed", new DependencyUnavailableException("The cart service answered 500.") },
        { "ETag retries exhausted", new ConcurrencyConflictException("Order changed concurrently.") },
        { "a timeout below", new TaskCanceledException("The request timed out.") },
        { "circuit open", new Polly.CircuitBreaker.BrokenCircuitException() },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void IsInfrastructureFailure_IsTrue_ForOutages(string what, Exception exception) =>
        Assert.True(InfrastructureFailures.IsInfrastructureFailure(exception, CancellationToken.None), what);

    public static TheoryData<string, Exception> Defects => new()
    {
        { "a malformed call the service made", new DaprException("bad key", new RpcException(new Status(StatusCode.InvalidArgument, "key contains ||"))) },
        { "a programming error", new InvalidOperationException("bug") },
        { "a null somewhere", new NullReferenceException() },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public void IsInfrastructureFailure_IsFalse_ForDefects(string what, Exception exception) =>
        Assert.False(InfrastructureFailures.IsInfrastructureFailure(exception, CancellationToken.None), what);

    [Fact]
    public void IsInfrastructureFailure_IsFalse_WhenTheClientWentAway()
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();

        Assert.False(InfrastructureFailures.IsInfrastructureFailure(new OperationCanceledException(aborted.Token), aborted.Token));
    }
}
