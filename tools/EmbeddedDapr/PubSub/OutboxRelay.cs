using System.Text.Json;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.State;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// The waits of daprd's outbox relay (dapr/dapr <c>pkg/runtime/pubsub/outbox.go</c>): a fixed 1 s sleep per message, then
/// the marker is polled with cenkalti/backoff's exponential back-off (0.5 s × 3 up to 3 s, ±10 %, given up once 10 s
/// have passed); the marker delete is retried on the same schedule. <see cref="Scaled"/> shortens every wait for tests
/// — each step still runs, in the same order.
/// </summary>
public sealed record OutboxTiming(
    TimeSpan ScanDelay, TimeSpan InitialInterval, double Multiplier, TimeSpan MaxInterval, TimeSpan MaxElapsedTime, double RandomizationFactor)
{
    public static readonly OutboxTiming Daprd = new(
        TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 3, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), 0.1);

    /// <summary>Every wait times <paramref name="factor"/> (0 &lt; factor ≤ 1).</summary>
    public OutboxTiming Scaled(double factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        return this with
        {
            ScanDelay = ScanDelay * factor,
            InitialInterval = InitialInterval * factor,
            MaxInterval = MaxInterval * factor,
            MaxElapsedTime = MaxElapsedTime * factor,
        };
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns true or the back-off gives up (false), sleeping between tries as
    /// cenkalti/backoff v4 <c>ExponentialBackOff</c> with <c>backoff.Retry</c> does: wall-clock time, like daprd.
    /// </summary>
    public async Task<bool> RetryAsync(Func<bool> attempt, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var current = InitialInterval;
        while (true)
        {
            if (attempt())
            {
                return true;
            }

            var delta = RandomizationFactor * current.TotalMilliseconds;
            var next = TimeSpan.FromMilliseconds(current.TotalMilliseconds - delta + Random.Shared.NextDouble() * 2 * delta);
            current = current.TotalMilliseconds >= MaxInterval.TotalMilliseconds / Multiplier ? MaxInterval : current * Multiplier;
            if (TimeProvider.System.GetElapsedTime(started) + next > MaxElapsedTime)
            {
                return false;
            }

            await Task.Delay(next, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The cluster's outbox settings; tests shorten <see cref="Timing"/> (env <c>EMBEDDED_DAPR_OUTBOX_TIMESCALE</c> does the same).</summary>
public sealed class OutboxSettings
{
    public OutboxTiming Timing { get; set; } = Environment.GetEnvironmentVariable("EMBEDDED_DAPR_OUTBOX_TIMESCALE") is { Length: > 0 } scale
        && double.TryParse(scale, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var factor) && factor > 0
            ? OutboxTiming.Daprd.Scaled(factor)
            : OutboxTiming.Daprd;
}

/// <summary>
/// The second half of daprd's outbox (<c>SubscribeToInternalTopics</c>): every daprd of the app subscribes to the
/// internal topic of each outbox store directly on the component — no app route, no resiliency, no dead-letter topic.
/// For each message it sleeps, polls the store for the marker named by the event id, then rewrites
/// <c>topic</c>/<c>pubsubname</c>, publishes to <c>outboxPublishPubsub</c>/<c>outboxPublishTopic</c> (scopes and outbound
/// resiliency apply, no broker metadata: no partition key) and deletes the marker. A marker that never appears is
/// an error handed back to the component (Kafka with <c>consumeRetryEnabled</c> then retries it forever, holding the
/// partition; Redis redelivers it; RabbitMQ NACKs it), unless <c>outboxDiscardWhenMissingState</c> drops it. A failed
/// final publish or delete is also an error: the message comes back and the event may be published twice.
/// </summary>
public sealed class OutboxRelay(SidecarContext sidecar, OutboxConfig config, PubSubPublisher publisher, OutboxSettings settings) : ISubscriberEndpoint
{
    public string AppId => sidecar.AppId;

    /// <summary>The sidecar's identity: the relay runs inside that daprd and shares its workers.</summary>
    public string InstanceId { get; } = $"{sidecar.AppId}@{sidecar.HttpPort}";

    public Subscription Subscription => Subscription.ForComponent(config.OutboxPubsub, config.InternalTopic(sidecar.AppId), $"outbox:{config.Store}");

    public async Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        if (!sidecar.Sidecar.IsRunning)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, Unreachable: true);
        }

        Dictionary<string, object?> envelope;
        try
        {
            using var document = JsonDocument.Parse(request.Body);
            envelope = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Fail($"invalid outbox message: {ex.Message}");
        }

        var marker = envelope.GetValueOrDefault("id") is JsonElement { ValueKind: JsonValueKind.String } id ? id.GetString()! : "";
        if (!sidecar.StateStores.TryGetValue(config.Store, out var store))
        {
            return Fail($"cannot get outbox state: state store {config.Store} not found");
        }

        var timing = settings.Timing;
        await Task.Delay(timing.ScanDelay, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        if (!await timing.RetryAsync(() => store.Get(marker).Found, cancellationToken).ConfigureAwait(false))
        {
            var error = $"cannot publish outbox message to topic {config.PublishTopic} with pubsub {config.PublishPubsub}: outbox state not found";
            if (config.DiscardWhenMissingState)
            {
                sidecar.Logger.LogError("failed to publish outbox topic to pubsub {Pubsub}: {Error}, discarding message", config.PublishPubsub, error);
                return DeliveryOutcome.Success;
            }

            sidecar.Logger.LogError("failed to publish outbox topic to pubsub {Pubsub}: {Error}, rejecting for later processing", config.PublishPubsub, error);
            return Fail(error);
        }

        if (!sidecar.Sidecar.IsRunning)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, Unreachable: true);
        }

        envelope["topic"] = config.PublishTopic;
        envelope["pubsubname"] = config.PublishPubsub;
        var contentType = envelope.GetValueOrDefault("datacontenttype") is JsonElement { ValueKind: JsonValueKind.String } ct ? ct.GetString()! : "";
        try
        {
            var component = publisher.Broker.FindComponent(config.PublishPubsub, AppId)
                ?? throw DaprErrors.Basic(Grpc.Core.StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", $"pubsub {config.PublishPubsub} not found");
            if (!component.CanPublish(AppId, config.PublishTopic))
            {
                return Fail($"topic {config.PublishTopic} is not allowed for app id {AppId}");
            }

            await publisher.PublishEnvelopeAsync(AppId, component, config.PublishTopic, GoJson.ToUtf8(envelope), contentType, cancellationToken).ConfigureAwait(false);
        }
        catch (DaprApiException ex)
        {
            sidecar.Logger.LogWarning("outbox: publishing to {Topic} failed ({Error}); the internal message goes back to the broker", config.PublishTopic, ex.Message);
            return Fail(ex.Message);
        }

        var deleted = await timing.RetryAsync(() =>
        {
            try
            {
                store.Delete(new StateDelete(marker, null, StateConcurrency.Unspecified, new Dictionary<string, string>()));
                return true;
            }
            catch (StateStoreException)
            {
                return false;
            }
        }, cancellationToken).ConfigureAwait(false);
        return deleted ? DeliveryOutcome.Success : Fail($"failed to delete outbox state {marker}");
    }

    private static DeliveryOutcome Fail(string error) => new(DeliveryStatus.Retry, Error: error);
}
