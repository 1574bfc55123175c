using System.Runtime.CompilerServices;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.State;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// daprd's transactional outbox for state stores with <c>outboxPublishPubsub</c> + <c>outboxPublishTopic</c> (optional
/// <c>outboxPubsub</c>), as an <see cref="IStateTransactionHook"/>. Before the commit, every upsert becomes a CloudEvent
/// (id = a marker key <c>outbox-&lt;uuid&gt;</c>, source = app id, data = the value — or the value of a same-key upsert
/// flagged <c>outbox.projection: "true"</c>, which is removed from the transaction — with the operation's metadata copied
/// into the envelope except <c>data</c>/<c>id</c>) and is handed to the internal topic <c>&lt;appId&gt;&lt;topic&gt;outbox</c> on
/// <c>outboxPubsub</c>; a failure there fails the call with <c>ERR_PUBLISH_OUTBOX</c> and nothing is committed. The marker
/// key (value <c>"0"</c>, no app prefix) is appended to the transaction. After the commit each event is published to the
/// final pubsub/topic and its marker deleted. Deletes publish nothing. Unlike daprd, the final publish runs right after
/// the commit rather than after daprd's ≥ 1 s marker poll, so tests need not wait.
/// </summary>
public sealed class TransactionalOutbox(PubSubPublisher publisher, TimeProvider time, ILogger logger) : IStateTransactionHook
{
    private readonly ConditionalWeakTable<StateTransactionContext, Staged> _staged = [];

    public async ValueTask BeforeCommitAsync(StateTransactionContext transaction, CancellationToken cancellationToken)
    {
        var metadata = transaction.Store.Component.Metadata;
        var publishPubsub = metadata.GetValueOrDefault("outboxPublishPubsub");
        var publishTopic = metadata.GetValueOrDefault("outboxPublishTopic");
        if (string.IsNullOrEmpty(publishPubsub) || string.IsNullOrEmpty(publishTopic))
        {
            return;
        }

        var appId = transaction.Sidecar.AppId;
        var outboxPubsub = metadata.GetValueOrDefault("outboxPubsub") is { Length: > 0 } o ? o : publishPubsub;
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

        var pending = new List<Pending>();
        var traceParent = Tracing.ChildTraceParent(null);
        foreach (var upsert in operations.OfType<StateUpsert>().ToList())
        {
            var source = projections.GetValueOrDefault(upsert.Key) ?? upsert;
            var contentType = source.Metadata.TryGetValue("contentType", out var ct) ? ct : "";
            var marker = "outbox-" + Guid.NewGuid();
            var envelope = BuildEnvelope(appId, marker, upsert.Metadata, source.Value, contentType, outboxPubsub, traceParent);
            pending.Add(new Pending(marker, envelope, (string)envelope["datacontenttype"]!));
        }

        if (pending.Count == 0)
        {
            return;
        }

        // daprd: namespace + appID + topic + "outbox" (pkg/runtime/pubsub/outbox.go), published through the same
        // adapter as any publish, so the app's publishingScopes must allow it.
        var internalTopic = Environment.GetEnvironmentVariable("NAMESPACE") + appId + publishTopic + "outbox";
        var internalComponent = publisher.Broker.FindComponent(outboxPubsub, appId);
        foreach (var item in pending)
        {
            if (internalComponent is null)
            {
                throw OutboxError($"pubsub {outboxPubsub} is not found");
            }

            if (!internalComponent.CanPublish(appId, internalTopic))
            {
                throw OutboxError($"topic {internalTopic} is not allowed for app id {appId}");
            }

            try
            {
                await publisher.PublishEnvelopeAsync(appId, internalComponent, internalTopic, GoJson.ToUtf8(item.Envelope), item.ContentType, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (DaprApiException ex)
            {
                throw OutboxError(ex.Message);
            }

            operations.Add(new StateUpsert(item.Marker, "0"u8.ToArray(), null, StateConcurrency.Unspecified, new Dictionary<string, string>()));
        }

        _staged.AddOrUpdate(transaction, new Staged(publishPubsub, publishTopic, pending));
    }

    public async ValueTask AfterCommitAsync(StateTransactionContext transaction, CancellationToken cancellationToken)
    {
        if (!_staged.TryGetValue(transaction, out var target))
        {
            return;
        }

        _staged.Remove(transaction);
        var appId = transaction.Sidecar.AppId;
        var component = publisher.Broker.FindComponent(target.Pubsub, appId);
        if (component is null)
        {
            logger.LogError("outbox: pubsub {Pubsub} is not found for app {App}; events dropped", target.Pubsub, appId);
            return;
        }

        if (!component.CanPublish(appId, target.Topic))
        {
            // daprd's hand-off publish is refused by the same scope check and the internal message is redelivered
            // forever: the event never reaches its topic either way.
            logger.LogError("outbox: topic {Topic} is not allowed for app id {App}; events not published", target.Topic, appId);
            return;
        }

        foreach (var item in target.Events)
        {
            item.Envelope["topic"] = target.Topic;
            item.Envelope["pubsubname"] = target.Pubsub;
            var bytes = GoJson.ToUtf8(item.Envelope);

            // The state is committed, so the event must follow: daprd keeps redelivering the internal message until
            // the final publish succeeds; a bounded retry loop stands in for that here.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await publisher.PublishEnvelopeAsync(appId, component, target.Topic, bytes, item.ContentType, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (DaprApiException ex) when (attempt < 10)
                {
                    logger.LogWarning("outbox: publish to {Topic} failed ({Error}); retrying", target.Topic, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
                }
                catch (DaprApiException ex)
                {
                    logger.LogError("outbox: publish to {Topic} failed for good: {Error}", target.Topic, ex.Message);
                    break;
                }
            }

            transaction.Store.Delete(new StateDelete(item.Marker, null, StateConcurrency.Unspecified, new Dictionary<string, string>()));
        }
    }

    private Dictionary<string, object?> BuildEnvelope(
        string appId, string marker, IReadOnlyDictionary<string, string> operationMetadata, ReadOnlyMemory<byte> data, string contentType,
        string outboxPubsub, string traceParent)
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

    private static DaprApiException OutboxError(string detail) =>
        DaprErrors.Basic(StatusCode.Internal, 500, "ERR_PUBLISH_OUTBOX", $"error while publishing outbox message: {detail}");

    private static bool IsTruthy(string value) => value.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "y";

    private sealed record Pending(string Marker, Dictionary<string, object?> Envelope, string ContentType);

    private sealed record Staged(string Pubsub, string Topic, List<Pending> Events);
}
