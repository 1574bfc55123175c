using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.State;

namespace Flipkart.EmbeddedDapr.Extensibility;

/// <summary>
/// Outbound resiliency around calls the sidecar makes (apps and components). The core registers a pass-through
/// default with TryAdd; a module replaces it by registering its own in <see cref="ISidecarModule.ConfigureServices"/>.
/// Exceptions of type <see cref="Errors.DaprApiException"/> with <c>IsPermanent</c> (ETag failures) must not be retried.
/// </summary>
public interface IResiliencyPolicies
{
    /// <summary>Service invocation towards <paramref name="targetAppId"/>; <paramref name="call"/> may be invoked again for retries.</summary>
    Task<HttpResponseMessage> ExecuteAppCallAsync(string targetAppId, Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken);

    /// <summary>An outbound component call (state operations; pub/sub publishing by that module).</summary>
    Task<T> ExecuteComponentCallAsync<T>(string componentName, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken);
}

/// <summary>
/// Runs inside resiliency, right before a backend or app is reached (fault injection, outage simulation).
/// Throwing from <see cref="BeforeComponentCallAsync"/> makes the operation fail like a backend outage (Internal/500);
/// returning a response from <see cref="BeforeAppCallAsync"/> short-circuits the call to the app; throwing from
/// <see cref="AfterAppCallAsync"/> loses a reply the app already produced.
/// </summary>
public interface IOutboundCallInterceptor
{
    ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask<HttpResponseMessage?> BeforeAppCallAsync(string targetAppId, HttpRequestMessage request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<HttpResponseMessage?>(null);

    /// <summary>After the callee answered, before the caller sees it; throwing loses the reply (the callee already ran).</summary>
    ValueTask AfterAppCallAsync(string targetAppId, HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;
}

/// <summary>One transaction as the app sent it (user keys) and as the store runs it (prefixed keys).</summary>
public sealed class StateTransactionContext(SidecarContext sidecar, StateStore store, IReadOnlyDictionary<string, string> requestMetadata)
{
    public SidecarContext Sidecar { get; } = sidecar;
    public StateStore Store { get; } = store;
    public IReadOnlyDictionary<string, string> RequestMetadata { get; } = requestMetadata;

    /// <summary>Operations on prefixed keys; a hook may append operations (e.g. an outbox marker).</summary>
    public List<StateOperation> Operations { get; } = [];
}

/// <summary>Transaction hooks (transactional outbox). Throwing from <see cref="BeforeCommitAsync"/> aborts the transaction (Internal).</summary>
public interface IStateTransactionHook
{
    ValueTask BeforeCommitAsync(StateTransactionContext transaction, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask AfterCommitAsync(StateTransactionContext transaction, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Adds module data (actor runtime, subscriptions, …) to GetMetadata and <c>/v1.0/metadata</c>.</summary>
public interface IMetadataContributor
{
    void Contribute(GetMetadataResponse response, SidecarContext sidecar);
}

internal sealed class PassThroughResiliency : IResiliencyPolicies
{
    public Task<HttpResponseMessage> ExecuteAppCallAsync(string targetAppId, Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken) =>
        call(cancellationToken);

    public Task<T> ExecuteComponentCallAsync<T>(string componentName, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        call(cancellationToken);
}
