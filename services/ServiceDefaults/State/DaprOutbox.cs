using System.Text.Json;
using Dapr.Client;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Publishes one event through an outbox-enabled store: a state transaction whose only state operation is the event's
/// own key (value = the event, last write wins). daprd publishes every upsert of such a transaction; the event rides
/// as an <c>outbox.projection</c> upsert of the same key, which supplies the published payload and its content type,
/// with the event name as the CloudEvent <c>type</c> (operation metadata is copied into the envelope).
/// <para>
/// No other state rides in the transaction on purpose: daprd hands the event over before the commit and adds a marker
/// to the transaction, and a Redis MULTI/EXEC has no rollback, so an operation that fails its ETag check still lets
/// the marker land and the event go out. The state change that emits the event is therefore a compare-and-swap of its
/// own, done first (<see cref="DaprState{T}.TryCommitAsync"/>); only its winner gets here, so whatever this commits
/// is the winner's event.
/// </para>
/// </summary>
internal static class DaprOutbox
{
    public static Task PublishAsync(DaprClient dapr, string store, string eventKey, IntegrationEvent @event, CancellationToken cancellationToken)
    {
        // The stored value and the published payload are the same event: serialised once.
        var payload = Serialize(dapr, @event);
        var operations = new List<StateTransactionRequest>
        {
            // daprd copies the metadata of the state upsert (not of its projection) into the envelope, so the
            // CloudEvent type rides here; the store ignores the key. No ETag: a re-emission overwrites the same event.
            new(eventKey, payload, StateOperationType.Upsert, null, EnvelopeMetadata(@event)),
            Projection(eventKey, payload, @event),
        };
        return dapr.ExecuteStateTransactionAsync(store, operations, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Creates <paramref name="key"/> (first-write) with the event of its creation in one transaction: the stored value
    /// is the state, the published payload the event (see <see cref="DaprState{T}.TryCreateWithEventAsync"/> for when
    /// that is safe on a store without rollback).
    /// </summary>
    public static Task CommitAsync<TState>(DaprClient dapr, string store, string key, TState state, IntegrationEvent @event, CancellationToken cancellationToken) =>
        dapr.ExecuteStateTransactionAsync(store,
            [
                new(key, JsonSerializer.SerializeToUtf8Bytes(state, dapr.JsonSerializerOptions), StateOperationType.Upsert, null,
                    EnvelopeMetadata(@event), new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }),
                Projection(key, Serialize(dapr, @event), @event),
            ],
            cancellationToken: cancellationToken);

    // The projection supplies the published data and its content type (daprd reads contentType from it); daprd
    // removes it from the transaction, so the stored value is the other upsert's.
    private static StateTransactionRequest Projection(string key, byte[] payload, IntegrationEvent @event) =>
        new(key, payload, StateOperationType.Upsert, null,
            new Dictionary<string, string>
            {
                ["outbox.projection"] = "true",
                ["contentType"] = "application/json",
                ["type"] = @event.Type,
            });

    private static byte[] Serialize(DaprClient dapr, IntegrationEvent @event) =>
        JsonSerializer.SerializeToUtf8Bytes(@event, @event.GetType(), dapr.JsonSerializerOptions);

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
