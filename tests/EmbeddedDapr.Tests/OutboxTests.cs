using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>The transactional outbox on a state store with outboxPublishPubsub/outboxPublishTopic.</summary>
public sealed class OutboxTests : IAsyncLifetime
{
    private EmbeddedDaprCluster _cluster = null!;
    private DaprClient _ordering = null!;
    private SubscriberApp _billing = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec: { type: pubsub.in-memory, version: v1 }
            """);
        options.ResourceYaml.Add("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: order-store }
            spec:
              type: state.in-memory
              version: v1
              metadata:
                - name: outboxPublishPubsub
                  value: pubsub
                - name: outboxPublishTopic
                  value: orders
            """);
        _cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        // Every step of daprd's relay runs, 20 times faster (1 s scan → 50 ms, gives up after 0.5 s instead of 10 s).
        PubSubModule.Outbox(_cluster).Timing = OutboxTiming.Daprd.Scaled(0.05);
        _ordering = (await _cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" }, Ct)).CreateDaprClient();

        // No UseCloudEvents: the test reads the envelope exactly as the broker delivered it.
        _billing = await SubscriberApp.StartAsync(
            (web, self) =>
            {
                web.MapGet("/dapr/subscribe", () => """[{"pubsubname":"pubsub","topic":"orders","route":"/orders"}]""");
                web.MapPost("/orders", self.Record("orders"));
            },
            useDaprAspNetCore: false);
        var billing = await _cluster.StartSidecarAsync(new SidecarOptions { AppId = "billing", AppBaseUrl = _billing.Url }, Ct);
        await billing.WaitForAppReadyAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _ordering.Dispose();
        await _cluster.DisposeAsync();
        await _billing.DisposeAsync();
    }

    private static StateTransactionRequest Upsert(string key, string json, Dictionary<string, string>? metadata = null, string? etag = null) =>
        new(key, Encoding.UTF8.GetBytes(json), StateOperationType.Upsert, etag, metadata);

    private async Task<List<JsonElement>> DeliveredAsync()
    {
        Assert.True(await PubSubModule.Broker(_cluster).WaitForIdleAsync(TimeSpan.FromSeconds(10), Ct));
        return _billing.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task A_committed_transaction_publishes_each_upsert_with_its_metadata_as_envelope_attributes()
    {
        var json = new Dictionary<string, string> { ["contentType"] = "application/json", ["type"] = "OrderPlaced" };

        await _ordering.ExecuteStateTransactionAsync("order-store",
        [
            Upsert("order-1", """{"id":"order-1","total":10}""", json),
            Upsert("order-2", """{"id":"order-2","total":20}""", json),
            new StateTransactionRequest("old-order", null, StateOperationType.Delete),
        ], cancellationToken: Ct);
        var events = await DeliveredAsync();

        Assert.Equal(["order-1", "order-2"], events.Select(e => e.GetProperty("data").GetProperty("id").GetString()).Order());
        foreach (var e in events)
        {
            Assert.Equal("OrderPlaced", e.GetProperty("type").GetString());
            Assert.Equal("ordering", e.GetProperty("source").GetString());
            Assert.Equal("orders", e.GetProperty("topic").GetString());
            Assert.Equal("pubsub", e.GetProperty("pubsubname").GetString());
            Assert.Equal("application/json", e.GetProperty("datacontenttype").GetString());
            Assert.StartsWith("outbox-", e.GetProperty("id").GetString());
        }

        Assert.Equal(10, (await _ordering.GetStateAsync<JsonElement>("order-store", "order-1", cancellationToken: Ct)).GetProperty("total").GetInt32());
        var store = _cluster.StateStores["order-store"];
        Assert.All(events, e => Assert.False(store.Get(e.GetProperty("id").GetString()!).Found)); // markers are cleaned up
    }

    [Fact]
    public async Task A_projection_replaces_the_published_value_but_not_the_stored_one()
    {
        await _ordering.ExecuteStateTransactionAsync("order-store",
        [
            Upsert("order-3", """{"id":"order-3","internalNotes":"secret"}"""),
            Upsert("order-3", """{"id":"order-3","status":"placed"}""", new() { ["outbox.projection"] = "true", ["contentType"] = "application/json" }),
        ], cancellationToken: Ct);
        var events = await DeliveredAsync();

        var e = Assert.Single(events);
        Assert.Equal("placed", e.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("secret", (await _ordering.GetStateAsync<JsonElement>("order-store", "order-3", cancellationToken: Ct)).GetProperty("internalNotes").GetString());
    }

    [Fact]
    public async Task Without_a_content_type_the_value_travels_as_text_like_daprd()
    {
        await _ordering.ExecuteStateTransactionAsync("order-store", [Upsert("order-4", """{"id":"order-4"}""")], cancellationToken: Ct);
        var e = Assert.Single(await DeliveredAsync());

        Assert.Equal("text/plain", e.GetProperty("datacontenttype").GetString());
        Assert.Equal("""{"id":"order-4"}""", e.GetProperty("data").GetString());
    }

    [Fact]
    public async Task A_failed_transaction_hands_its_events_off_but_the_relay_never_publishes_them()
    {
        await _ordering.SaveStateAsync("order-store", "order-5", new { id = "order-5" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<DaprException>(() => _ordering.ExecuteStateTransactionAsync("order-store",
        [
            Upsert("order-6", """{"id":"order-6"}"""),
            Upsert("order-5", """{"id":"order-5","v":2}""", etag: "not-the-current-etag"),
        ], cancellationToken: Ct));

        Assert.Equal(StatusCode.Internal, Assert.IsType<RpcException>(ex.InnerException).StatusCode);
        Assert.Empty(await DeliveredAsync());
        var broker = PubSubModule.Broker(_cluster);
        // daprd publishes before it commits: both hand-offs went out; the in-memory store rolled back both markers,
        // so the relay found none, handed the error back, and the in-memory component lost them.
        var handOff = broker.Counters.Get("defaultorderingordersoutbox", "ordering");
        Assert.Equal((2L, 2L), (handOff.Published, handOff.Failed));
        Assert.Equal(0, broker.Counters.Get("orders").Published);
        Assert.Null(await _ordering.GetStateAsync<JsonElement?>("order-store", "order-6", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_failed_hand_off_to_the_broker_fails_the_transaction_and_commits_nothing()
    {
        PubSubModule.Broker(_cluster).Faults.Set(new PubSubFaults { FailPublishes = 1 });

        var ex = await Assert.ThrowsAsync<DaprException>(() => _ordering.ExecuteStateTransactionAsync("order-store",
            [Upsert("order-7", """{"id":"order-7"}""")], cancellationToken: Ct));

        var rpc = Assert.IsType<RpcException>(ex.InnerException);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.StartsWith("error while publishing outbox message:", rpc.Status.Detail);
        Assert.Empty(await DeliveredAsync());
        Assert.Null(await _ordering.GetStateAsync<JsonElement?>("order-store", "order-7", cancellationToken: Ct));
    }
}
