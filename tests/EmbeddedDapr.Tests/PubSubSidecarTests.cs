using System.Net;
using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>Pub/sub through the embedded sidecar, driven as apps drive it: the official SDK, raw HTTP, Dapr.AspNetCore apps.</summary>
public sealed class PubSubSidecarTests
{
    private const string InMemoryPubsub = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record OrderPlaced(string OrderId, decimal Total);

    private static async Task<(EmbeddedDaprCluster Cluster, DaprClient Publisher)> StartAsync(params string[] extraResources)
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(InMemoryPubsub);
        foreach (var yaml in extraResources)
        {
            options.ResourceYaml.Add(yaml);
        }

        var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var publisher = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "publisher" }, Ct);
        return (cluster, publisher.CreateDaprClient());
    }

    private static async Task<EmbeddedDaprSidecar> StartSubscriberAsync(EmbeddedDaprCluster cluster, string appId, SubscriberApp app, string? appToken = null)
    {
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = appId, AppBaseUrl = app.Url, AppApiToken = appToken }, Ct);
        await sidecar.WaitForAppReadyAsync(Ct);
        return sidecar;
    }

    private static async Task Settle(EmbeddedDaprCluster cluster) =>
        Assert.True(await PubSubModule.Broker(cluster).WaitForIdleAsync(TimeSpan.FromSeconds(10), Ct), "deliveries did not settle");

    [Fact]
    public async Task Sdk_publish_reaches_a_MapSubscribeHandler_subscriber_with_the_payload_unwrapped()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("orders")).WithTopic("pubsub", "orders"));
        await StartSubscriberAsync(cluster, "billing", app);

        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("o-1", 12.5m), Ct);
        await Settle(cluster);

        var (route, body, headers) = Assert.Single(app.Received);
        Assert.Equal("orders", route);
        Assert.Equal(new OrderPlaced("o-1", 12.5m), JsonSerializer.Deserialize<OrderPlaced>(body, JsonSerializerOptions.Web));
        Assert.Equal("pubsub", headers["pubsubname"]);
        Assert.Equal("com.dapr.event.sent", headers["cloudevent.type"]); // UseCloudEvents forwards envelope attributes
        Assert.Equal("publisher", headers["cloudevent.source"]);
    }

    [Fact]
    public async Task The_app_receives_the_cloudevent_bytes_with_the_cloudevents_content_type()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        var received = new TaskCompletionSource<(string ContentType, string Body)>();
        await using var app = await RawApp.StartAsync("""[{"pubsubname":"pubsub","topic":"orders","route":"/in"}]""", received);
        await StartSubscriberAsync(cluster, "billing", app.Subscriber);

        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("o-2", 1m), new Dictionary<string, string> { ["cloudevent.type"] = "OrderPlaced" }, Ct);
        var (contentType, body) = await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("application/cloudevents+json", contentType);
        var ce = JsonDocument.Parse(body).RootElement;
        Assert.Equal("OrderPlaced", ce.GetProperty("type").GetString());
        Assert.Equal("o-2", ce.GetProperty("data").GetProperty("orderId").GetString());
        Assert.Equal(ce.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), ce.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Sdk_bulk_publish_delivers_every_entry()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("orders")).WithTopic("pubsub", "orders"));
        await StartSubscriberAsync(cluster, "billing", app);

        var response = await dapr.BulkPublishEventAsync("pubsub", "orders", [new OrderPlaced("a", 1), new OrderPlaced("b", 2), new OrderPlaced("c", 3)], cancellationToken: Ct);
        await Settle(cluster);

        Assert.Empty(response.FailedEntries);
        Assert.Equal(["a", "b", "c"], app.Received.Select(r => JsonSerializer.Deserialize<OrderPlaced>(r.Body, JsonSerializerOptions.Web)!.OrderId).Order());
    }

    [Fact]
    public async Task Routing_rules_from_WithTopic_match_route_by_event_type()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) =>
        {
            web.MapPost("/placed", self.Record("placed")).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", Match = "event.type == \"OrderPlaced\"", Priority = 1 });
            web.MapPost("/paid", self.Record("paid")).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", Match = "event.type == \"OrderPaid\"", Priority = 2 });
            web.MapPost("/other", self.Record("other")).WithTopic("pubsub", "orders");
        });
        await StartSubscriberAsync(cluster, "billing", app);

        foreach (var type in new[] { "OrderPaid", "OrderPlaced", "OrderShipped" })
        {
            await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced(type, 0), new Dictionary<string, string> { ["cloudevent.type"] = type }, Ct);
        }

        await Settle(cluster);
        Assert.Equal(["other:OrderShipped", "paid:OrderPaid", "placed:OrderPlaced"],
            app.Received.Select(r => $"{r.Route}:{JsonSerializer.Deserialize<OrderPlaced>(r.Body, JsonSerializerOptions.Web)!.OrderId}").Order());
    }

    [Fact]
    public async Task Http_publish_answers_204_and_daprd_error_bodies()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("orders")).WithTopic("pubsub", "orders"));
        await StartSubscriberAsync(cluster, "billing", app);
        using var http = cluster.GetSidecars("publisher")[0].CreateHttpClient();

        var ok = await http.PostAsync("/v1.0/publish/pubsub/orders?metadata.cloudevent.type=OrderPlaced",
            new StringContent("""{"orderId":"h-1","total":3}""", Encoding.UTF8, "application/json"), Ct);
        var missing = await http.PostAsync("/v1.0/publish/nope/orders", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        await Settle(cluster);

        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal("OrderPlaced", Assert.Single(app.Received).Headers["cloudevent.type"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("ERR_PUBSUB_NOT_FOUND", error.GetProperty("errorCode").GetString());
        Assert.Equal("pubsub nope is not found", error.GetProperty("message").GetString());
        Assert.Equal("DAPR_PUBSUB_NOT_FOUND", error.GetProperty("details")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sdk_publish_to_an_unknown_pubsub_fails_with_invalid_argument()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;

        var ex = await Assert.ThrowsAsync<DaprException>(() => dapr.PublishEventAsync("nope", "orders", new OrderPlaced("x", 1), Ct));

        var rpc = Assert.IsType<RpcException>(ex.InnerException);
        Assert.Equal((StatusCode.InvalidArgument, "pubsub nope is not found"), (rpc.StatusCode, rpc.Status.Detail));
    }

    [Fact]
    public async Task The_app_token_is_sent_with_each_delivery()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("orders")).WithTopic("pubsub", "orders"));
        await StartSubscriberAsync(cluster, "billing", app, appToken: "app-secret");

        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("t", 1), Ct);
        await Settle(cluster);

        Assert.Equal("app-secret", Assert.Single(app.Received).Headers["dapr-api-token"]);
    }

    [Fact]
    public async Task Declarative_subscriptions_are_scoped_and_replaced_by_programmatic_ones()
    {
        var (cluster, dapr) = await StartAsync(
            """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata: { name: billing-payments }
            spec: { pubsubname: pubsub, topic: payments, routes: { default: /declared-payments } }
            scopes: [billing]
            """,
            """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata: { name: billing-orders }
            spec: { pubsubname: pubsub, topic: orders, routes: { default: /declared-orders } }
            scopes: [billing]
            """,
            """
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata: { name: someone-else }
            spec: { pubsubname: pubsub, topic: payments, route: /never }
            scopes: [shipping]
            """);
        await using var _ = cluster;
        using var __ = dapr;
        await using var app = await SubscriberApp.StartAsync((web, self) =>
        {
            web.MapPost("/orders", self.Record("programmatic-orders")).WithTopic("pubsub", "orders");
            web.MapPost("/declared-payments", self.Record("declared-payments"));
            web.MapPost("/declared-orders", self.Record("declared-orders"));
        });
        await StartSubscriberAsync(cluster, "billing", app);

        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("o", 1), Ct);
        await dapr.PublishEventAsync("pubsub", "payments", new OrderPlaced("p", 1), Ct);
        await Settle(cluster);

        Assert.Equal(["declared-payments", "programmatic-orders"], app.Received.Select(r => r.Route).Order());
        using var http = cluster.GetSidecars("billing")[0].CreateHttpClient();
        var metadata = JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", Ct)).RootElement;
        Assert.Equal(["orders:PROGRAMMATIC", "payments:DECLARATIVE"],
            metadata.GetProperty("subscriptions").EnumerateArray().Select(s => $"{s.GetProperty("topic").GetString()}:{s.GetProperty("type").GetString()}").Order());
    }

    [Fact]
    public async Task An_app_without_dapr_subscribe_has_no_subscriptions()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        var received = new TaskCompletionSource<(string, string)>();
        await using var app = await RawApp.StartAsync(subscribeJson: null, received);
        await StartSubscriberAsync(cluster, "billing", app.Subscriber);

        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("o", 1), Ct);
        await Settle(cluster);

        Assert.False(received.Task.IsCompleted);
        Assert.Empty(PubSubModule.Broker(cluster).SubscriptionsOf("billing"));
    }

    [Fact]
    public async Task A_stopped_replica_leaves_delivery_to_the_other_and_messages_wait_for_a_restart()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        await using var app0 = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("r0")).WithTopic("pubsub", "orders"));
        await using var app1 = await SubscriberApp.StartAsync((web, self) => web.MapPost("/orders", self.Record("r1")).WithTopic("pubsub", "orders"));
        var replica0 = await StartSubscriberAsync(cluster, "billing", app0);
        var replica1 = await StartSubscriberAsync(cluster, "billing", app1);

        await replica0.StopAsync();
        for (var i = 0; i < 4; i++)
        {
            await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced($"a{i}", i), Ct);
        }

        await Settle(cluster);
        Assert.Empty(app0.Received);
        Assert.Equal(4, app1.Received.Count);

        await replica1.StopAsync();
        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("waiting", 9), Ct);
        Assert.False(await PubSubModule.Broker(cluster).WaitForIdleAsync(TimeSpan.FromMilliseconds(200), Ct));

        await replica0.RestartAsync(Ct);
        await replica0.WaitForAppReadyAsync(Ct);
        await Settle(cluster);
        Assert.Contains(app0.Received, r => r.Body.Contains("waiting"));
    }

    [Fact]
    public async Task App_answers_drive_retries_drops_and_dead_letters_end_to_end()
    {
        var (cluster, dapr) = await StartAsync("""
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: delivery }
            spec:
              policies:
                retries:
                  deliver: { policy: constant, duration: 1ms, maxRetries: 2 }
              targets:
                components:
                  pubsub: { inbound: { retry: deliver } }
            """);
        await using var _ = cluster;
        using var __ = dapr;
        var retryCalls = 0;
        await using var app = await SubscriberApp.StartAsync((web, self) =>
        {
            web.MapPost("/flaky", () => Interlocked.Increment(ref retryCalls) < 3 ? Results.Json(new { status = "RETRY" }) : Results.Json(new { status = "SUCCESS" }))
                .WithTopic("pubsub", "flaky");
            web.MapPost("/gone", self.Record("gone", status: 404)).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "gone", DeadLetterTopic = "poison" });
            web.MapPost("/broken", self.Record("broken", status: 500)).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "broken", DeadLetterTopic = "poison" });
            web.MapPost("/poison", self.Record("poison")).WithTopic("pubsub", "poison");
        });
        await StartSubscriberAsync(cluster, "billing", app);

        await dapr.PublishEventAsync("pubsub", "flaky", new OrderPlaced("f", 1), Ct);
        await dapr.PublishEventAsync("pubsub", "gone", new OrderPlaced("g", 1), Ct);
        await dapr.PublishEventAsync("pubsub", "broken", new OrderPlaced("b", 1), Ct);
        await Settle(cluster);

        var counters = PubSubModule.Broker(cluster).Counters;
        Assert.Equal(3, retryCalls);
        Assert.Equal((1L, 2L), (counters.Get("flaky", "billing").Delivered, counters.Get("flaky", "billing").Retried));
        Assert.Single(app.Received, r => r.Route == "gone");       // 404 = drop: no retry
        Assert.Equal(3, app.Received.Count(r => r.Route == "broken")); // 500 = retry, then dead letter
        Assert.Equal(["b", "g"], app.Received.Where(r => r.Route == "poison").Select(r => JsonSerializer.Deserialize<OrderPlaced>(r.Body, JsonSerializerOptions.Web)!.OrderId).Order());
        Assert.Equal((1L, 1L), (counters.Get("gone", "billing").Dropped, counters.Get("gone", "billing").DeadLettered));
        Assert.Equal(1L, counters.Get("broken", "billing").DeadLettered);
    }

    [Fact]
    public async Task The_local_run_can_set_faults_and_read_counters_over_http()
    {
        var (cluster, dapr) = await StartAsync();
        await using var _ = cluster;
        using var __ = dapr;
        using var http = cluster.GetSidecars("publisher")[0].CreateHttpClient();

        var set = await http.PutAsync("/embedded/pubsub/faults", new StringContent("failPublishes=1"), Ct);
        await Assert.ThrowsAsync<DaprException>(() => dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("x", 1), Ct));
        await dapr.PublishEventAsync("pubsub", "orders", new OrderPlaced("y", 1), Ct);
        var counters = JsonDocument.Parse(await http.GetStringAsync("/embedded/pubsub/counters", Ct)).RootElement;

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        var row = Assert.Single(counters.EnumerateArray());
        Assert.Equal(("orders", "publisher", 1, 1), (row.GetProperty("topic").GetString(), row.GetProperty("appId").GetString(), row.GetProperty("published").GetInt32(), row.GetProperty("publishFailed").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("/embedded/pubsub/faults", new StringContent("explode=1"), Ct)).StatusCode);
    }

    /// <summary>An app without Dapr.AspNetCore: a fixed /dapr/subscribe answer and a raw recorder.</summary>
    private sealed class RawApp : IAsyncDisposable
    {
        private RawApp(SubscriberApp subscriber) => Subscriber = subscriber;

        public SubscriberApp Subscriber { get; }

        public static async Task<RawApp> StartAsync(string? subscribeJson, TaskCompletionSource<(string ContentType, string Body)> received)
        {
            var subscriber = await SubscriberApp.StartAsync(
                (web, _) =>
                {
                    if (subscribeJson is not null)
                    {
                        web.MapGet("/dapr/subscribe", () => Results.Text(subscribeJson, "application/json"));
                    }

                    web.MapPost("/in", async (HttpContext context) =>
                    {
                        using var reader = new StreamReader(context.Request.Body);
                        received.TrySetResult((context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
                        return Results.Ok();
                    });
                },
                useDaprAspNetCore: false);
            return new RawApp(subscriber);
        }

        public ValueTask DisposeAsync() => Subscriber.DisposeAsync();
    }
}
