using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>
/// What each broker type does with a message daprd handed back as failed, and in which order it hands messages out
/// (components-contrib v1.18: common/component/kafka/consumer.go, pubsub/rabbitmq/rabbitmq.go, pubsub/redis/redis.go),
/// including daprd's outbox relay facing those rules. Against daprd these need the broker itself (Kafka, RabbitMQ or
/// Redis on localhost, topics with the partitions the test sets), which the conformance launch does not provide.
/// </summary>
public class BrokerConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private const string NeedsKafka = "needs a Kafka broker on localhost:9092 (topics created with the partitions the test sets)";
    private const string NeedsRabbit = "needs a RabbitMQ broker on localhost:5672 and a look into its dead-letter queue";
    private const string NeedsRedisStreams = "needs Redis streams on localhost:6379 and a clock that can be advanced past processingTimeout";

    /// <summary>An app whose routes answer what the test says; records every delivery in arrival order.</summary>
    private sealed class App : IAsyncDisposable
    {
        private SubscriberApp _app = null!;

        public ConcurrentQueue<(string Route, string Id, JsonElement Data)> Received { get; } = new();

        /// <summary>Per route: given the event data, the status code to answer.</summary>
        public ConcurrentDictionary<string, Func<JsonElement, int>> Answers { get; } = new();

        public Uri Url => _app.Url;

        public IReadOnlyList<string> Keys(string route) => [.. Received.Where(r => r.Route == route).Select(r => r.Data.GetProperty("k").GetString()!)];

        public static async Task<App> StartAsync(string subscriptions, params string[] routes)
        {
            var app = new App();
            app._app = await SubscriberApp.StartAsync(
                (web, _) =>
                {
                    web.MapGet("/dapr/subscribe", () => Results.Text(subscriptions, "application/json"));
                    foreach (var route in routes)
                    {
                        web.MapPost("/" + route, async (HttpContext context) =>
                        {
                            using var document = await JsonDocument.ParseAsync(context.Request.Body);
                            var data = document.RootElement.GetProperty("data").Clone();
                            app.Received.Enqueue((route, document.RootElement.GetProperty("id").GetString()!, data));
                            return Results.StatusCode(app.Answers.TryGetValue(route, out var answer) ? answer(data) : 200);
                        });
                    }
                },
                useDaprAspNetCore: false);
            return app;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    private static async Task<(Sut Sut, App App)> StartAsync(string target, string reason, string[] resources, string subscriptions, params string[] routes)
    {
        var app = await App.StartAsync(subscriptions, routes);
        try
        {
            var sut = await Sut.StartAsync(target, new SutSpec { Resources = resources, AppUrl = app.Url, EmbeddedOnlyReason = reason });
            await sut.Sidecar!.WaitForAppReadyAsync(Ct);
            return (sut, app);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static Task Publish(Sut sut, string pubsub, string topic, string key, Dictionary<string, string>? metadata = null) =>
        sut.Dapr.PublishEventAsync(pubsub, topic, new { k = key }, metadata ?? [], Ct);

    private static Task Until(Func<bool> condition, int timeoutMs = 30_000) => PubSubTestData.Until(condition, timeoutMs);

    private static string Kafka(string name, string extra = "") => ConformanceResources.Component(name, "pubsub.kafka", metadata: $"""
        - name: brokers
          value: localhost:9092
        - name: authType
          value: none
        {extra}
        """);

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Kafka_retries_a_failed_message_before_anything_behind_it_in_its_partition(string target)
    {
        // consumeRetryEnabled is pubsub.kafka's default; backOffDuration (5 s by default) shortened for the test.
        var (sut, app) = await StartAsync(target, NeedsKafka, [Kafka("kafka", "- name: backOffDuration\n  value: 50ms")],
            """[{"pubsubname":"kafka","topic":"t","route":"/k"}]""", "k");
        await using var _ = sut;
        await using var __ = app;
        var failures = 0;
        app.Answers["k"] = data => data.GetProperty("k").GetString() == "first" && Interlocked.Increment(ref failures) <= 3 ? 500 : 200;

        await Publish(sut, "kafka", "t", "first");
        await Publish(sut, "kafka", "t", "second");
        await Until(() => app.Keys("k").Contains("second"));

        Assert.Equal(["first", "first", "first", "first", "second"], app.Keys("k"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Kafka_without_consumeRetryEnabled_skips_a_failed_message(string target)
    {
        var (sut, app) = await StartAsync(target, NeedsKafka, [Kafka("kafka", "- name: consumeRetryEnabled\n  value: \"false\"")],
            """[{"pubsubname":"kafka","topic":"t","route":"/k"}]""", "k");
        await using var _ = sut;
        await using var __ = app;
        app.Answers["k"] = data => data.GetProperty("k").GetString() == "poison" ? 500 : 200;

        await Publish(sut, "kafka", "t", "poison");
        await Publish(sut, "kafka", "t", "next");
        await Until(() => app.Keys("k").Contains("next"));
        await Task.Delay(300, Ct);

        Assert.Equal(["poison", "next"], app.Keys("k"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Kafka_keeps_each_partition_key_in_order_and_a_stuck_message_holds_only_its_own_partition(string target)
    {
        var (sut, app) = await StartAsync(target, NeedsKafka, [Kafka("kafka", "- name: backOffDuration\n  value: 50ms")],
            """[{"pubsubname":"kafka","topic":"p","route":"/k"}]""", "k");
        await using var _ = sut;
        await using var __ = app;
        var stuck = true;
        app.Answers["k"] = data => stuck && data.GetProperty("k").GetString() == "a-0" ? 500 : 200;
        var broker = PubSubModule.Broker(sut.Cluster!);
        Assert.NotEqual(PubSubBroker.KafkaPartition(new Dictionary<string, string> { ["partitionKey"] = "a" }, 4),
            PubSubBroker.KafkaPartition(new Dictionary<string, string> { ["partitionKey"] = "c" }, 4));
        broker.SetPartitions("kafka", "p", 4);

        for (var i = 0; i < 3; i++)
        {
            await Publish(sut, "kafka", "p", $"a-{i}", new() { ["partitionKey"] = "a" });
            await Publish(sut, "kafka", "p", $"c-{i}", new() { ["partitionKey"] = "c" });
        }

        await Until(() => app.Keys("k").Count(k => k.StartsWith('c')) == 3);
        Assert.DoesNotContain("a-1", app.Keys("k")); // behind the stuck a-0
        stuck = false;
        await Until(() => app.Keys("k").Contains("a-2"));

        Assert.Equal(["a-0", "a-1", "a-2"], app.Keys("k").Where(k => k.StartsWith('a')).Distinct());
        Assert.Equal(["c-0", "c-1", "c-2"], app.Keys("k").Where(k => k.StartsWith('c')));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_kafka_partition_is_consumed_by_one_replica_of_the_group(string target)
    {
        var (sut, app) = await StartAsync(target, NeedsKafka, [Kafka("kafka")], """[{"pubsubname":"kafka","topic":"one","route":"/k"}]""", "k");
        await using var _ = sut;
        await using var __ = app;
        await using var second = await App.StartAsync("""[{"pubsubname":"kafka","topic":"one","route":"/k"}]""", "k");
        var peer = await sut.StartPeerAsync(ConformanceResources.AppId, second.Url);
        await peer.WaitForAppReadyAsync(Ct);

        for (var i = 0; i < 10; i++)
        {
            await Publish(sut, "kafka", "one", $"m-{i}");
        }

        await Until(() => app.Received.Count + second.Received.Count == 10);
        Assert.Contains(0, new[] { app.Received.Count, second.Received.Count }); // one partition: one consumer
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task RabbitMQ_moves_a_nacked_message_to_a_dead_letter_queue_that_nothing_consumes(string target)
    {
        var rabbit = ConformanceResources.Component("rabbit", "pubsub.rabbitmq", metadata: """
            - name: connectionString
              value: amqp://localhost:5672
            - name: enableDeadLetter
              value: "true"
            """);
        var (sut, app) = await StartAsync(target, NeedsRabbit, [rabbit], """[{"pubsubname":"rabbit","topic":"r","route":"/r"}]""", "r");
        await using var _ = sut;
        await using var __ = app;
        app.Answers["r"] = _ => 500;
        var broker = PubSubModule.Broker(sut.Cluster!);

        await Publish(sut, "rabbit", "r", "poison");
        await Until(() => broker.Parked.Count == 1);
        await Task.Delay(300, Ct);

        var parked = Assert.Single(broker.Parked);
        Assert.Equal($"dlq-{ConformanceResources.AppId}-r", parked.Queue);
        Assert.Single(app.Received);
        Assert.Equal(1, broker.Counters.Get("r", ConformanceResources.AppId).Parked);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Redis_redelivers_a_failed_message_once_it_was_pending_for_processingTimeout(string target)
    {
        var redis = ConformanceResources.Component("streams", "pubsub.redis", metadata: """
            - name: redisHost
              value: localhost:6379
            - name: processingTimeout
              value: 20s
            - name: redeliverInterval
              value: 5s
            """);
        var (sut, app) = await StartAsync(target, NeedsRedisStreams, [redis], """[{"pubsubname":"streams","topic":"s","route":"/s"}]""", "s");
        await using var _ = sut;
        await using var __ = app;
        var attempts = 0;
        app.Answers["s"] = _ => Interlocked.Increment(ref attempts) == 1 ? 500 : 200;

        await Publish(sut, "streams", "s", "once");
        await Until(() => app.Received.Count == 1);
        await Task.Delay(200, Ct);
        Assert.Single(app.Received); // pending, not redelivered yet
        sut.Clock!.Advance(TimeSpan.FromSeconds(20));
        await Until(() => app.Received.Count == 2);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task On_kafka_an_outbox_hand_off_without_its_marker_holds_the_partition_so_later_events_wait(string target)
    {
        var (sut, app) = await StartAsync(target, NeedsKafka, OutboxOnKafka(discard: false), """[{"pubsubname":"kafka","topic":"orders","route":"/orders"}]""", "orders");
        await using var _ = sut;
        await using var __ = app;
        PubSubModule.Outbox(sut.Cluster!).Timing = OutboxTiming.Daprd.Scaled(0.02);
        await CommitThenFailThenCommitAsync(sut);

        await Until(() => PubSubModule.Broker(sut.Cluster!).Counters.Get("defaultconformanceordersoutbox").Retried >= 3);

        Assert.Equal(["first"], app.Keys("orders")); // "third" committed fine but waits behind the failed one, for good
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task On_kafka_outboxDiscardWhenMissingState_drops_the_orphan_hand_off_after_the_relay_gave_up(string target)
    {
        var (sut, app) = await StartAsync(target, NeedsKafka, OutboxOnKafka(discard: true), """[{"pubsubname":"kafka","topic":"orders","route":"/orders"}]""", "orders");
        await using var _ = sut;
        await using var __ = app;
        PubSubModule.Outbox(sut.Cluster!).Timing = OutboxTiming.Daprd.Scaled(0.02);
        await CommitThenFailThenCommitAsync(sut);

        await Until(() => app.Keys("orders").Count == 2);

        Assert.Equal(["first", "third"], app.Keys("orders"));
    }

    private static string[] OutboxOnKafka(bool discard) =>
    [
        Kafka("kafka", "- name: backOffDuration\n  value: 50ms"),
        ConformanceResources.Component("orderstore", "state.in-memory", metadata: $"""
            - name: outboxPublishPubsub
              value: kafka
            - name: outboxPublishTopic
              value: orders
            - name: outboxDiscardWhenMissingState
              value: "{(discard ? "true" : "false")}"
            """),
    ];

    /// <summary>An order commits, a stale-ETag update fails after its hand-off, another order commits.</summary>
    private static async Task CommitThenFailThenCommitAsync(Sut sut)
    {
        StateTransactionRequest Upsert(string key, string k, string? etag = null) => new(
            key, Encoding.UTF8.GetBytes($$"""{"k":"{{k}}"}"""), StateOperationType.Upsert, etag, new Dictionary<string, string> { ["contentType"] = "application/json" });

        await sut.Dapr.ExecuteStateTransactionAsync("orderstore", [Upsert("o-1", "first")], cancellationToken: Ct);
        await Assert.ThrowsAsync<DaprException>(() => sut.Dapr.ExecuteStateTransactionAsync("orderstore", [Upsert("o-1", "second", etag: "stale")], cancellationToken: Ct));
        await sut.Dapr.ExecuteStateTransactionAsync("orderstore", [Upsert("o-3", "third")], cancellationToken: Ct);
    }
}
