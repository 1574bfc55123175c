using System.Text.Json;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.EmbeddedDapr.Resiliency;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class PubSubBrokerTests : IAsyncLifetime
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // pubsub.kafka with consumeRetryEnabled false skips a failed message, so each test sees exactly daprd's own attempts.
    private readonly PubSubBroker _broker = new(TimeProvider.System);
    private PubSubPublisher _publisher = null!;

    public ValueTask InitializeAsync()
    {
        _broker.AddComponent(PubSubTestData.Component("pubsub", "pubsub.kafka", ("consumeRetryEnabled", "false")));
        _broker.AddComponent(PubSubTestData.Component("memory", "pubsub.in-memory"));
        _broker.AddComponent(PubSubTestData.Component("redis", "pubsub.redis", ("concurrency", "4")));
        _publisher = new PubSubPublisher(_broker, TimeProvider.System);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _broker.DisposeAsync();

    private Task Publish(string topic, string json, string pubsub = "pubsub", Dictionary<string, string>? metadata = null) =>
        _publisher.PublishAsync("publisher", pubsub, topic, PubSubTestData.Json(json), "application/json", metadata ?? [], null, null, Ct);

    private async Task Settle() => Assert.True(await _broker.WaitForIdleAsync(Idle, Ct), "broker did not settle");

    [Fact]
    public async Task Delivery_posts_the_original_envelope_bytes_with_pubsub_headers()
    {
        var app = new FakeSubscriber("billing", "billing-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", "orders-handler")]);

        await Publish("orders", """{"id":1}""");
        await Settle();

        var request = Assert.Single(app.Received);
        Assert.Equal("/orders-handler", request.Path);
        Assert.Equal("pubsub", request.Headers["pubsubName"]);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", request.Headers["traceparent"]);
        var ce = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(1, ce.GetProperty("data").GetProperty("id").GetInt32());
        Assert.NotEqual(ce.GetProperty("traceparent").GetString(), request.Headers["traceparent"]); // a new span for the delivery
        Assert.Equal(1, _broker.Counters.Get("orders", "billing").Delivered);
        Assert.Equal(1, _broker.Counters.Get("orders", "publisher").Published);
    }

    [Fact]
    public async Task Every_app_id_gets_each_message_and_replicas_of_one_app_compete()
    {
        var a0 = new FakeSubscriber("a", "a-0");
        var a1 = new FakeSubscriber("a", "a-1");
        var b0 = new FakeSubscriber("b", "b-0");
        _broker.AttachReplica(a0, [PubSubTestData.Subscription("orders", pubsub: "redis")]);
        _broker.AttachReplica(a1, [PubSubTestData.Subscription("orders", pubsub: "redis")]);
        _broker.AttachReplica(b0, [PubSubTestData.Subscription("orders", pubsub: "redis")]);

        for (var i = 0; i < 10; i++)
        {
            await Publish("orders", $$"""{"n":{{i}}}""", pubsub: "redis");
        }

        await Settle();
        Assert.Equal(10, a0.Received.Count + a1.Received.Count);
        Assert.True(a0.Received.Count > 0 && a1.Received.Count > 0);
        Assert.Equal(10, b0.Received.Count);
    }

    [Fact]
    public async Task Rules_pick_the_first_matching_path_and_default_catches_the_rest()
    {
        var app = new FakeSubscriber("shipping", "s-0");
        var sub = PubSubTestData.Subscription("orders", "fallback", rules: [("event.data.kind == \"placed\"", "placed"), ("event.data.kind == \"paid\"", "paid")]);
        _broker.AttachReplica(app, [sub]);

        await Publish("orders", """{"kind":"paid"}""");
        await Publish("orders", """{"kind":"placed"}""");
        await Publish("orders", """{"kind":"other"}""");
        await Settle();

        Assert.Equal(["/fallback", "/paid", "/placed"], app.Received.Select(r => r.Path).Order());
    }

    [Fact]
    public async Task An_unmatched_event_is_acknowledged_and_copied_to_the_dead_letter_topic()
    {
        var app = new FakeSubscriber("shipping", "s-0");
        var dlq = new FakeSubscriber("ops", "ops-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", "", deadLetter: "orders-dead", rules: [("event.type == \"Nope\"", "x")])]);
        _broker.AttachReplica(dlq, [PubSubTestData.Subscription("orders-dead", "dead")]);

        await Publish("orders", """{"n":1}""");
        await Settle();

        Assert.Empty(app.Received);
        var dead = Assert.Single(dlq.Events());
        Assert.Equal("orders", dead.GetProperty("topic").GetString()); // the original bytes: topic still names the source
        Assert.Equal(1, _broker.Counters.Get("orders", "shipping").Dropped);
        Assert.Equal(1, _broker.Counters.Get("orders", "shipping").DeadLettered);
    }

    [Fact]
    public async Task An_unmatched_event_without_dead_letter_topic_is_just_skipped()
    {
        var app = new FakeSubscriber("shipping", "s-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", "", rules: [("event.type == \"Nope\"", "x")])]);

        await Publish("orders", "{}");
        await Settle();

        Assert.Empty(app.Received);
        Assert.Equal((1L, 0L, 0L), (_broker.Counters.Get("orders", "shipping").Dropped, _broker.Counters.Get("orders", "shipping").DeadLettered, _broker.Counters.Get("orders", "shipping").Failed));
    }

    [Theory]
    [InlineData(DeliveryStatus.Drop, 404)]
    [InlineData(DeliveryStatus.Drop, 200)]
    public async Task Drop_and_404_are_not_retried_and_go_to_the_dead_letter_topic(DeliveryStatus status, int code)
    {
        UseRetryPolicy(maxRetries: 3);
        var app = new FakeSubscriber("shipping", "s-0", _ => new DeliveryOutcome(status, code));
        var dlq = new FakeSubscriber("ops", "ops-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", deadLetter: "orders-dead")]);
        _broker.AttachReplica(dlq, [PubSubTestData.Subscription("orders-dead")]);

        await Publish("orders", "{}");
        await Settle();

        Assert.Single(app.Received);
        Assert.Single(dlq.Received);
        var counts = _broker.Counters.Get("orders", "shipping");
        Assert.Equal((0L, 1L, 1L, 0L), (counts.Retried, counts.Dropped, counts.DeadLettered, counts.Delivered));
    }

    [Fact]
    public async Task Without_a_resiliency_policy_daprd_makes_exactly_one_attempt()
    {
        var app = new FakeSubscriber("shipping", "s-0", _ => new DeliveryOutcome(DeliveryStatus.Retry, 500));
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);

        await Publish("orders", "{}");
        await Settle();

        Assert.Single(app.Received);
        Assert.Equal(1, _broker.Counters.Get("orders", "shipping").Failed); // kafka with consumeRetryEnabled false skips it
    }

    [Fact]
    public async Task Retry_answers_are_retried_by_the_inbound_policy_then_dead_lettered()
    {
        UseRetryPolicy(maxRetries: 2);
        var app = new FakeSubscriber("shipping", "s-0", _ => new DeliveryOutcome(DeliveryStatus.Retry));
        var dlq = new FakeSubscriber("ops", "ops-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", deadLetter: "orders-dead")]);
        _broker.AttachReplica(dlq, [PubSubTestData.Subscription("orders-dead")]);

        await Publish("orders", "{}");
        await Settle();

        Assert.Equal(3, app.Received.Count);
        Assert.Single(dlq.Received);
        Assert.Equal((2L, 1L), (_broker.Counters.Get("orders", "shipping").Retried, _broker.Counters.Get("orders", "shipping").DeadLettered));
    }

    [Fact]
    public async Task A_retry_that_succeeds_counts_as_delivered_once()
    {
        UseRetryPolicy(maxRetries: 5);
        var calls = 0;
        var app = new FakeSubscriber("shipping", "s-0", _ => Interlocked.Increment(ref calls) < 3 ? new DeliveryOutcome(DeliveryStatus.Retry, 503) : DeliveryOutcome.Success);
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);

        await Publish("orders", "{}");
        await Settle();

        Assert.Equal(3, calls);
        Assert.Equal((1L, 2L), (_broker.Counters.Get("orders", "shipping").Delivered, _broker.Counters.Get("orders", "shipping").Retried));
    }

    [Fact]
    public async Task In_memory_component_loses_a_failed_message_after_daprds_attempts()
    {
        var calls = 0;
        var app = new FakeSubscriber("shipping", "s-0", _ => Interlocked.Increment(ref calls) < 3 ? new DeliveryOutcome(DeliveryStatus.Retry, 500) : DeliveryOutcome.Success);
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders", pubsub: "memory")]);

        await Publish("orders", "{}", pubsub: "memory");
        await Settle();

        Assert.Equal(1, calls);
        Assert.Equal((0L, 1L), (_broker.Counters.Get("orders", "shipping").Delivered, _broker.Counters.Get("orders", "shipping").Failed));
    }

    [Fact]
    public async Task A_stopped_replica_hands_its_messages_to_the_live_one()
    {
        var live = new FakeSubscriber("shipping", "s-0");
        var stopped = new FakeSubscriber("shipping", "s-1", _ => new DeliveryOutcome(DeliveryStatus.Retry, Unreachable: true));
        _broker.AttachReplica(live, [PubSubTestData.Subscription("orders")]);
        _broker.AttachReplica(stopped, [PubSubTestData.Subscription("orders")]);

        for (var i = 0; i < 6; i++)
        {
            await Publish("orders", "{}");
        }

        await Settle();
        Assert.Equal(6, live.Received.Count);
        Assert.Equal(6, _broker.Counters.Get("orders", "shipping").Delivered);
        Assert.Equal(0, _broker.Counters.Get("orders", "shipping").Retried);
    }

    [Fact]
    public async Task Messages_wait_while_an_app_has_no_live_replica_and_flow_when_one_attaches()
    {
        var first = new FakeSubscriber("shipping", "s-0");
        _broker.AttachReplica(first, [PubSubTestData.Subscription("orders")]);
        _broker.DetachReplica(first);

        await Publish("orders", "{}");
        await Publish("orders", "{}");
        Assert.False(await _broker.WaitForIdleAsync(TimeSpan.FromMilliseconds(100), Ct));

        var restarted = new FakeSubscriber("shipping", "s-0b");
        _broker.AttachReplica(restarted, [PubSubTestData.Subscription("orders")]);
        await Settle();

        Assert.Empty(first.Received);
        Assert.Equal(2, restarted.Received.Count);
    }

    [Fact]
    public async Task Publishing_to_an_unknown_pubsub_is_invalid_argument_404()
    {
        var ex = await Assert.ThrowsAsync<DaprApiException>(() => Publish("orders", "{}", pubsub: "nope"));

        Assert.Equal((Grpc.Core.StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", "DAPR_PUBSUB_NOT_FOUND"), (ex.GrpcCode, ex.HttpStatus, ex.ErrorCode, ex.Reason));
        Assert.Equal("pubsub nope is not found", ex.Message);
    }

    [Fact]
    public async Task Empty_pubsub_name_is_checked_first_and_empty_topic_after_the_lookup()
    {
        var empty = await Assert.ThrowsAsync<DaprApiException>(() => Publish("", "{}", pubsub: ""));
        Assert.Equal(("ERR_PUBSUB_EMPTY", "pubsub name is empty"), (empty.ErrorCode, empty.Message));

        var unknownAndNoTopic = await Assert.ThrowsAsync<DaprApiException>(() => Publish("", "{}", pubsub: "nope"));
        Assert.Equal("ERR_PUBSUB_NOT_FOUND", unknownAndNoTopic.ErrorCode);

        var noTopic = await Assert.ThrowsAsync<DaprApiException>(() => Publish("", "{}"));
        Assert.Equal((404, "ERR_TOPIC_NAME_EMPTY", "topic is empty in pubsub pubsub", "pubsub"), (noTopic.HttpStatus, noTopic.ErrorCode, noTopic.Message, noTopic.Resource?.Name));
    }

    [Fact]
    public async Task A_component_scoped_to_other_apps_is_not_found()
    {
        _broker.AddComponent(new PubsubComponent("private", "pubsub.redis", new Dictionary<string, string>(), ["ordering"]));

        var ex = await Assert.ThrowsAsync<DaprApiException>(() => Publish("orders", "{}", pubsub: "private"));

        Assert.Equal("ERR_PUBSUB_NOT_FOUND", ex.ErrorCode);
    }

    [Fact]
    public async Task Publishing_scopes_forbid_other_topics()
    {
        _broker.AddComponent(PubSubTestData.Component("scoped", "pubsub.redis", ("publishingScopes", "publisher=orders;other=payments")));

        await _publisher.PublishAsync("publisher", "scoped", "orders", "{}"u8.ToArray(), "application/json", PubSubTestData.NoMetadata, null, null, Ct);
        var ex = await Assert.ThrowsAsync<DaprApiException>(() => _publisher.PublishAsync(
            "publisher", "scoped", "payments", "{}"u8.ToArray(), "application/json", PubSubTestData.NoMetadata, null, null, Ct));

        Assert.Equal((Grpc.Core.StatusCode.PermissionDenied, 403, "topic payments is not allowed for app id publisher"), (ex.GrpcCode, ex.HttpStatus, ex.Message));
    }

    [Fact]
    public async Task Invalid_raw_payload_metadata_is_invalid_argument()
    {
        var ex = await Assert.ThrowsAsync<DaprApiException>(() => Publish("orders", "{}", metadata: new() { ["rawPayload"] = "maybe" }));

        Assert.Equal((Grpc.Core.StatusCode.InvalidArgument, "DAPR_PUBSUB_METADATA_DESERIALIZATION"), (ex.GrpcCode, ex.Reason));
    }

    [Fact]
    public async Task Raw_payload_publish_sends_bytes_untouched_and_raw_subscribers_get_a_synthesized_cloudevent()
    {
        var app = new FakeSubscriber("shipping", "s-0");
        var sub = PubSubTestData.Subscription("raw") with { Metadata = new Dictionary<string, string> { ["rawPayload"] = "true" } };
        _broker.AttachReplica(app, [sub]);

        await Publish("raw", """{"plain":true}""", metadata: new() { ["rawPayload"] = "true" });
        await Settle();

        var ce = Assert.Single(app.Events());
        Assert.Equal("application/octet-stream", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("""{"plain":true}""", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(ce.GetProperty("data_base64").GetString()!)));
    }

    [Fact]
    public async Task Bulk_publish_rejects_duplicate_entry_ids_and_publishes_each_entry()
    {
        var app = new FakeSubscriber("shipping", "s-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        BulkPublishEntry Entry(string id) => new(id, "{}"u8.ToArray(), "application/json", PubSubTestData.NoMetadata);

        var ex = await Assert.ThrowsAsync<DaprApiException>(() => _publisher.BulkPublishAsync("publisher", "pubsub", "orders", [Entry("1"), Entry("1")], PubSubTestData.NoMetadata, null, null, Ct));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, ex.GrpcCode);

        var failed = await _publisher.BulkPublishAsync("publisher", "pubsub", "orders", [Entry("1"), Entry("2"), Entry("3")], PubSubTestData.NoMetadata, null, null, Ct);
        await Settle();
        Assert.Empty(failed);
        Assert.Equal(3, app.Received.Count);
    }

    [Fact]
    public async Task Bulk_publish_reports_broker_failures_per_entry()
    {
        _broker.Faults.Set(new PubSubFaults { FailPublishes = 1 });
        BulkPublishEntry Entry(string id) => new(id, "{}"u8.ToArray(), "application/json", PubSubTestData.NoMetadata);

        var failed = await _publisher.BulkPublishAsync("publisher", "pubsub", "orders", [Entry("a"), Entry("b")], PubSubTestData.NoMetadata, null, null, Ct);

        var (id, error) = Assert.Single(failed);
        Assert.Equal("a", id);
        Assert.Contains("error when publishing to topic orders in pubsub pubsub", error);
    }

    [Fact]
    public async Task Concurrent_deliveries_to_one_replica_respect_app_max_concurrency()
    {
        var inFlight = 0;
        var peak = 0;
        var gate = new SemaphoreSlim(0);
        var app = new BlockingSubscriber("shipping", async () =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Delay(20, Ct);
            Interlocked.Decrement(ref inFlight);
        });
        _broker.AttachReplica(app, [PubSubTestData.Subscription("a", pubsub: "redis"), PubSubTestData.Subscription("b", pubsub: "redis")], new SubscriberOptions(MaxConcurrency: 2));

        for (var i = 0; i < 8; i++)
        {
            await Publish(i % 2 == 0 ? "a" : "b", "{}", pubsub: "redis");
        }

        await Settle();
        Assert.Equal(8, app.Count);
        Assert.Equal(2, peak);
        gate.Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private void UseRetryPolicy(int maxRetries)
    {
        var doc = ResiliencyDocument.Parse(PubSubTestData.Yaml($$"""
            kind: Resiliency
            metadata: { name: r }
            spec:
              policies:
                retries:
                  deliver: { policy: constant, duration: 1ms, maxRetries: {{maxRetries}} }
              targets:
                components:
                  pubsub: { inbound: { retry: deliver } }
            """));
        _broker.Resiliency = new ResiliencyProvider([doc], TimeProvider.System);
    }

    private sealed class BlockingSubscriber(string appId, Func<Task> work) : ISubscriberEndpoint
    {
        private int _count;

        public string AppId { get; } = appId;

        public string InstanceId => AppId + "-0";

        public int Count => Volatile.Read(ref _count);

        public async Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
        {
            await work();
            Interlocked.Increment(ref _count);
            return DeliveryOutcome.Success;
        }
    }
}
