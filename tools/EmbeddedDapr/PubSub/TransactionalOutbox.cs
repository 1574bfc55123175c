using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.State;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>The outbox settings of one state store (daprd's <c>outboxConfig</c>).</summary>
public sealed record OutboxConfig(string Store, string PublishPubsub, string PublishTopic, string OutboxPubsub, bool DiscardWhenMissingState)
{
    /// <summary>Null unless the component sets both <c>outboxPublishPubsub</c> and <c>outboxPublishTopic</c>.</summary>
    public static OutboxConfig? Of(ComponentDefinition component)
    {
        var publishPubsub = component.GetMetadata("outboxPublishPubsub");
        var publishTopic = component.GetMetadata("outboxPublishTopic");
        if (string.IsNullOrEmpty(publishPubsub) || string.IsNullOrEmpty(publishTopic))
        {
            return null;
        }

        var outboxPubsub = component.GetMetadata("outboxPubsub") is { Length: > 0 } o ? o : publishPubsub;
        return new OutboxConfig(component.Name, publishPubsub, publishTopic, outboxPubsub, component.GetBool("outboxDiscardWhenMissingState"));
    }

    /// <summary>daprd's <c>outboxTopic</c>: <c>&lt;namespace&gt;&lt;appId&gt;&lt;outboxPublishTopic&gt;outbox</c>.</summary>
    public string InternalTopic(string appId) => Namespace + appId + PublishTopic + "outbox";

    /// <summary>daprd's <c>security.CurrentNamespace()</c>: env <c>NAMESPACE</c>, or <c>default</c> when it is not set.</summary>
    public static string Namespace => Environment.GetEnvironmentVariable("NAMESPACE") ?? "default";
}

/// <summary>
/// The first half of daprd's transactional outbox (dapr/dapr <c>pkg/runtime/pubsub/outbox.go</c> <c>PublishInternal</c>), as an
/// <see cref="IStateTransactionHook"/>, for state stores with <c>outboxPublishPubsub</c> + <c>outboxPublishTopic</c>. Before
/// the commit, every upsert becomes a CloudEvent (id = a marker key <c>outbox-&lt;uuid&gt;</c>, source = app id, data = the
/// value — or the value of a same-key upsert flagged <c>outbox.projection: "true"</c>, which is removed from the
/// transaction — with the operation's metadata copied into the envelope except <c>data</c>/<c>id</c>) that is published to the
/// internal topic <c>&lt;namespace&gt;&lt;appId&gt;&lt;topic&gt;outbox</c> on <c>outboxPubsub</c>; a failure there fails the call with
/// <c>ERR_PUBLISH_OUTBOX</c> and nothing is committed, but what was already handed over stays published. The marker upsert
/// (value <c>"0"</c>, no app prefix) joins the transaction, so it lands exactly when the store applies the transaction's
/// operations: never on an atomic store that rolls back, and even when the transaction failed on Redis (MULTI/EXEC
/// without rollback). Deletes publish nothing. The second half, the relay that waits for the marker and publishes the
/// final event, is <see cref="OutboxRelay"/>; nothing here publishes after the commit.
/// </summary>
public sealed class TransactionalOutbox(PubSubPublisher publisher, TimeProvider time) : IStateTransactionHook
{
    public async ValueTask BeforeCommitAsync(StateTransactionContext transaction, CancellationToken cancellationToken)
    {
        if (OutboxConfig.Of(transaction.Store.Component) is not { } config)
        {
            return;
        }

        var appId = transaction.Sidecar.AppId;
        var operations = transaction.Operations;
        var projections = new Dictionary<string, StateUpsert>(StringComparer.Ordinal);
        for (var i = operations.Count - 1; i >= 0; i--)
        {
            if (operations[i] is StateUpsert upsert && upsert.Metadata.TryGetValue("outbox.projection", out var flag) && IsTruthy(flag))
            {
                projections[upsert.Key] = upsert;
                operations.RemoveAt(i);
            }
        }

        var traceParent = Tracing.ChildTraceParent(null);
        var internalTopic = config.InternalTopic(appId);
        foreach (var upsert in operations.OfType<StateUpsert>().ToList())
        {
            var source = projections.GetValueOrDefault(upsert.Key) ?? upsert;
            var contentType = source.Metadata.TryGetValue("contentType", out var ct) ? ct : "";
            var marker = "outbox-" + Guid.NewGuid();
            var envelope = OutboxEnvelope.Build(appId, marker, upsert.Metadata, source.Value, contentType, config.OutboxPubsub, traceParent, time);
            if (publisher.Broker.FindComponent(config.OutboxPubsub, appId) is not { } component)
            {
                throw OutboxError($"pubsub {config.OutboxPubsub} is not found");
            }

            try
            {
                // daprd's publisher checks the component's publishing scopes and applies its outbound resiliency policy.
                if (!component.CanPublish(appId, internalTopic))
                {
                    throw OutboxError($"topic {internalTopic} is not allowed for app id {appId}");
                }

                await publisher.PublishEnvelopeAsync(appId, component, internalTopic, GoJson.ToUtf8(envelope), "", cancellationToken).ConfigureAwait(false);
            }
            catch (DaprApiException ex) when (ex.ErrorCode != "ERR_PUBLISH_OUTBOX")
            {
                throw OutboxError(ex.Message);
            }

            operations.Add(new StateUpsert(marker, "0"u8.ToArray(), null, StateConcurrency.Unspecified, new Dictionary<string, string>()));
        }
    }

    private static DaprApiException OutboxError(string detail) =>
        DaprErrors.Basic(StatusCode.Internal, 500, "ERR_PUBLISH_OUTBOX", $"error while publishing outbox message: {detail}");

    private static bool IsTruthy(string value) => value.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "y";
}

/// <summary>The CloudEvent daprd's <c>PublishInternal</c> builds for one outbox upsert.</summary>
internal static class OutboxEnvelope
{
    public static Dictionary<string, object?> Build(
        string appId, string marker, IReadOnlyDictionary<string, string> operationMetadata, ReadOnlyMemory<byte> data, string contentType,
        string outboxPubsub, string traceParent, TimeProvider time)
    {
        var dataContentType = contentType.Length == 0 ? ContentTypes.TextPlain : contentType;
        var envelope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = marker,
            ["source"] = string.IsNullOrEmpty(appId) ? CloudEventEnvelope.DefaultSource : appId,
            ["type"] = CloudEventEnvelope.DefaultType,
            ["specversion"] = CloudEventEnvelope.SpecVersion,
            ["datacontenttype"] = dataContentType,
            ["topic"] = "",
            ["pubsubname"] = outboxPubsub,
            ["traceparent"] = "",
            ["traceid"] = traceParent,
            ["tracestate"] = "",
            ["time"] = CloudEventEnvelope.Rfc3339(time.GetLocalNow()),
        };

        if (ContentTypes.IsJson(dataContentType) && GoJson.TryParse(data, out var document))
        {
            using (document)
            {
                envelope["data"] = document!.RootElement.Clone();
            }
        }
        else if (ContentTypes.IsBinary(dataContentType))
        {
            envelope["data_base64"] = Convert.ToBase64String(data.Span);
        }
        else
        {
            envelope["data"] = GoJson.Utf8(data);
        }

        foreach (var (key, value) in operationMetadata)
        {
            if (key is not ("data" or "id"))
            {
                envelope[key] = value;
            }
        }

        return envelope;
    }
}
