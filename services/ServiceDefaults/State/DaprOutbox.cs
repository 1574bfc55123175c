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
internal static class DaprOutbox
{
    public static Task CommitAsync<TState>(
        DaprClient dapr, string store, string key, TState state, string? etag, IntegrationEvent @event, CancellationToken cancellationToken)
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
                EnvelopeMetadata(@event), stateOptions),
            new(key, JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), json), StateOperationType.Upsert, null,
                // The projection supplies the published data and its content type (daprd reads contentType from it).
                new Dictionary<string, string>
                {
                    ["outbox.projection"] = "true",
                    ["contentType"] = "application/json",
                    ["type"] = @event.Type,
                }),
        };
        return dapr.ExecuteStateTransactionAsync(store, operations, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The CloudEvent <c>type</c>, and this request's trace context as <c>traceparent</c>/<c>tracestate</c>: daprd's
    /// outbox envelope carries the sidecar's span only as the legacy <c>traceid</c> and leaves <c>traceparent</c> empty,
    /// which delivery reads first, so without this every subscriber of an outboxed event would start a new trace.
    /// </summary>
    private static Dictionary<string, string> EnvelopeMetadata(IntegrationEvent @event)
    {
        var metadata = new Dictionary<string, string> { ["type"] = @event.Type };
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } activity)
        {
            metadata["traceparent"] = activity.Id!;
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                metadata["tracestate"] = activity.TraceStateString;
            }
        }
        return metadata;
    }
}
