using System.Text.Json;
using Dapr.Client;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Writes one state item and the event its change emits in a single state transaction on an outbox-enabled store.
/// daprd publishes every upsert of such a transaction; the event rides as an <c>outbox.projection</c> upsert of the
/// same key, so the stored value is the state and the published payload is the event, with the event name as the
/// CloudEvent <c>type</c> (operation metadata is copied into the envelope). Used through
/// <see cref="DaprState{T}.TryCommitAsync"/>, which tells a lost race from a failing store.
/// </summary>
public static class DaprOutbox
{
    /// <summary>Transitional: services move to <see cref="DaprState{T}.TryCommitAsync"/>.</summary>
    public static async Task<bool> TryCommitAsync<TState>(
        DaprClient dapr, string store, string key, TState state, string? etag, object @event, CancellationToken cancellationToken)
    {
        try
        {
            await CommitAsync(dapr, store, key, state, etag, @event, @event.GetType().Name, cancellationToken);
            return true;
        }
        catch (Dapr.DaprException ex) when (ex.InnerException is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Internal or Grpc.Core.StatusCode.Aborted or Grpc.Core.StatusCode.FailedPrecondition })
        {
            return false;
        }
    }

    public static Task CommitAsync<TState>(
        DaprClient dapr, string store, string key, TState state, string? etag, IntegrationEvent @event, CancellationToken cancellationToken) =>
        CommitAsync(dapr, store, key, state, etag, @event, @event.Type, cancellationToken);

    private static Task CommitAsync<TState>(
        DaprClient dapr, string store, string key, TState state, string? etag, object @event, string type, CancellationToken cancellationToken)
    {
        var json = dapr.JsonSerializerOptions;
        // First-write: without an ETag the upsert only creates; with one it must match (Redis ignores ETags under last-write).
        var stateOptions = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };
        var operations = new List<StateTransactionRequest>
        {
            new(key, JsonSerializer.SerializeToUtf8Bytes(state, json), StateOperationType.Upsert,
                string.IsNullOrEmpty(etag) ? null : etag,
                // daprd copies the metadata of the state upsert (not of its projection) into the envelope, so the
                // CloudEvent type rides here; the store ignores the key.
                new Dictionary<string, string> { ["type"] = type }, stateOptions),
            new(key, JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), json), StateOperationType.Upsert, null,
                // The projection supplies the published data and its content type (daprd reads contentType from it).
                new Dictionary<string, string>
                {
                    ["outbox.projection"] = "true",
                    ["contentType"] = "application/json",
                    ["type"] = type,
                }),
        };
        return dapr.ExecuteStateTransactionAsync(store, operations, cancellationToken: cancellationToken);
    }
}
