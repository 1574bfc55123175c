using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Resiliency;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>daprd's pub/sub API errors (rich errors: ErrorInfo reason, optional ResourceInfo(pubsub, name)).</summary>
public static class PubSubErrors
{
    public static DaprApiException Create(
        StatusCode grpcCode, int httpStatus, string errorCode, string reason, string message, string? resourceName = null,
        IReadOnlyDictionary<string, string>? errorMetadata = null)
    {
        var error = new DaprApiException(grpcCode, httpStatus, errorCode, message, reason);
        if (resourceName is not null)
        {
            error.WithResource("pubsub", resourceName);
        }

        foreach (var (key, value) in errorMetadata ?? new Dictionary<string, string>())
        {
            error.WithMetadata(key, value);
        }

        return error;
    }
}

/// <summary>One entry of a bulk publish.</summary>
public sealed record BulkPublishEntry(string EntryId, ReadOnlyMemory<byte> Event, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The publish side of the pub/sub API shared by the gRPC handlers, the HTTP route and the outbox: validation in
/// daprd's order (pubsub name, component lookup, topic, topic scopes, rawPayload), the CloudEvent envelope, the
/// component's outbound Resiliency policy, then the broker.
/// </summary>
public sealed class PubSubPublisher(PubSubBroker broker, TimeProvider time)
{
    public PubSubBroker Broker => broker;

    public Task PublishAsync(
        string appId, string pubsubName, string topic, ReadOnlyMemory<byte> data, string? contentType,
        IReadOnlyDictionary<string, string> metadata, string? traceParent, string? traceState, CancellationToken cancellationToken)
    {
        var component = Validate(appId, pubsubName, topic, metadata, out var raw);
        var (bytes, brokerContentType, brokerMetadata) = Prepare(component, appId, topic, data, contentType, metadata, raw, traceParent, traceState);
        return SendAsync(component, appId, topic, bytes, brokerContentType, brokerMetadata, cancellationToken);
    }

    /// <summary>Publishes each entry; broker failures come back per entry (the call itself succeeds), as daprd does.</summary>
    public async Task<IReadOnlyList<(string EntryId, string Error)>> BulkPublishAsync(
        string appId, string pubsubName, string topic, IReadOnlyList<BulkPublishEntry> entries,
        IReadOnlyDictionary<string, string> metadata, string? traceParent, string? traceState, CancellationToken cancellationToken)
    {
        var component = Validate(appId, pubsubName, topic, metadata, out var raw);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (string.IsNullOrEmpty(entry.EntryId) || !ids.Add(entry.EntryId))
            {
                throw PubSubErrors.Create(
                    StatusCode.InvalidArgument, 400, "ERR_PUBSUB_EVENTS_SER", "DAPR_PUBSUB_MARSHAL_EVENTS",
                    $"error marshaling events to bytes for topic {topic} pubsub {pubsubName}. error: entryId is duplicated or not present for entry",
                    pubsubName);
            }
        }

        var prepared = new List<(string Id, byte[] Bytes, string ContentType, IReadOnlyDictionary<string, string> Metadata)>();
        foreach (var entry in entries)
        {
            IReadOnlyDictionary<string, string> entryMetadata = metadata;
            if (entry.Metadata.Count > 0)
            {
                var merged = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
                foreach (var (key, value) in entry.Metadata)
                {
                    merged[key] = value;
                }

                entryMetadata = merged;
            }

            var entryRaw = raw || CloudEventEnvelope.IsRawPayload(entry.Metadata, out _);
            var (bytes, contentType, brokerMetadata) = Prepare(component, appId, topic, entry.Event, entry.ContentType, entryMetadata, entryRaw, traceParent, traceState);
            prepared.Add((entry.EntryId, bytes, contentType, brokerMetadata));
        }

        var failed = new List<(string, string)>();
        var policy = OutboundPolicy(appId, component);
        foreach (var (id, bytes, contentType, brokerMetadata) in prepared)
        {
            try
            {
                await SendAsync(component, appId, topic, bytes, contentType, brokerMetadata, cancellationToken, policy).ConfigureAwait(false);
            }
            catch (DaprApiException ex)
            {
                failed.Add((id, ex.Message));
            }
        }

        return failed;
    }

    /// <summary>Publishes an already-built CloudEvent (outbox hand-off), skipping envelope construction.</summary>
    public Task PublishEnvelopeAsync(string appId, PubsubComponent component, string topic, byte[] envelope, string contentType, CancellationToken cancellationToken) =>
        SendAsync(component, appId, topic, envelope, contentType, new Dictionary<string, string>(), cancellationToken);

    public PubsubComponent Validate(string appId, string pubsubName, string topic, IReadOnlyDictionary<string, string> metadata, out bool rawPayload)
    {
        if (string.IsNullOrEmpty(pubsubName))
        {
            throw PubSubErrors.Create(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_EMPTY", "DAPR_PUBSUB_NAME_EMPTY", "pubsub name is empty");
        }

        var component = broker.FindComponent(pubsubName, appId);
        if (component is null)
        {
            throw PubSubErrors.Create(
                StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", "DAPR_PUBSUB_NOT_FOUND", $"pubsub {pubsubName} is not found");
        }

        if (string.IsNullOrEmpty(topic))
        {
            throw PubSubErrors.Create(
                StatusCode.InvalidArgument, 404, "ERR_TOPIC_NAME_EMPTY", "DAPR_PUBSUB_TOPIC_NAME_EMPTY", $"topic is empty in pubsub {pubsubName}",
                pubsubName, metadata);
        }

        if (!component.CanPublish(appId, topic))
        {
            throw PubSubErrors.Create(
                StatusCode.PermissionDenied, 403, "ERR_PUBSUB_FORBIDDEN", "DAPR_PUBSUB_FORBIDDEN", $"topic {topic} is not allowed for app id {appId}",
                pubsubName);
        }

        rawPayload = CloudEventEnvelope.IsRawPayload(metadata, out var invalid);
        if (invalid is not null)
        {
            throw PubSubErrors.Create(
                StatusCode.InvalidArgument, 400, "ERR_PUBSUB_REQUEST_METADATA", "DAPR_PUBSUB_METADATA_DESERIALIZATION",
                $"failed deserializing metadata. Error: strconv.ParseBool: parsing \"{invalid}\": invalid syntax", pubsubName);
        }

        return component;
    }

    private (byte[] Bytes, string ContentType, IReadOnlyDictionary<string, string> Metadata) Prepare(
        PubsubComponent component, string appId, string topic, ReadOnlyMemory<byte> data, string? contentType,
        IReadOnlyDictionary<string, string> metadata, bool raw, string? traceParent, string? traceState)
    {
        if (raw)
        {
            // rawPayload: bytes go out untouched; trace context travels in the broker metadata instead.
            var brokerMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
            {
                ["traceparent"] = Tracing.ChildTraceParent(traceParent),
            };
            if (!string.IsNullOrEmpty(traceState))
            {
                brokerMetadata["tracestate"] = traceState;
            }

            return (data.ToArray(), string.IsNullOrEmpty(contentType) ? ContentTypes.OctetStream : contentType, brokerMetadata);
        }

        try
        {
            var envelope = CloudEventEnvelope.Build(
                new PublishInput(component.Name, topic, data, contentType, metadata, appId, traceParent, traceState),
                time,
                component.HandlesMessageTtl);
            return (envelope, ContentTypes.CloudEventsJson, metadata);
        }
        catch (CloudEventCreationException ex)
        {
            throw PubSubErrors.Create(
                StatusCode.InvalidArgument, 500, "ERR_PUBSUB_CLOUD_EVENTS_SER", "DAPR_PUBSUB_CLOUD_EVENT_CREATION", ex.Message, component.Name);
        }
    }

    private ResiliencyPolicy OutboundPolicy(string appId, PubsubComponent component) =>
        broker.Resiliency.ForComponent(appId, component.Name, "pubsub", ComponentDirection.Outbound);

    private async Task SendAsync(
        PubsubComponent component, string appId, string topic, byte[] bytes, string contentType,
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken, ResiliencyPolicy? policy = null)
    {
        policy ??= OutboundPolicy(appId, component);
        if (policy.IsNone)
        {
            PublishToBroker(component, appId, topic, bytes, contentType, metadata);
            return;
        }

        try
        {
            await policy.ExecuteAsync(
                _ =>
                {
                    broker.Publish(component.Name, topic, bytes, contentType, metadata, appId);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BrokerPublishException or CircuitBreakerOpenException or Polly.Timeout.TimeoutRejectedException)
        {
            throw PublishError(component, topic, ex);
        }
    }

    private void PublishToBroker(PubsubComponent component, string appId, string topic, byte[] bytes, string contentType, IReadOnlyDictionary<string, string> metadata)
    {
        try
        {
            broker.Publish(component.Name, topic, bytes, contentType, metadata, appId);
        }
        catch (BrokerPublishException ex)
        {
            throw PublishError(component, topic, ex);
        }
    }

    private static DaprApiException PublishError(PubsubComponent component, string topic, Exception ex) =>
        PubSubErrors.Create(
            StatusCode.Internal, 500, "ERR_PUBSUB_PUBLISH_MESSAGE", "DAPR_PUBSUB_PUBLISH_MESSAGE",
            $"error when publishing to topic {topic} in pubsub {component.Name}: {ex.Message}", component.Name);
}
