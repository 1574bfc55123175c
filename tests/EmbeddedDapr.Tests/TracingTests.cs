using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.AspNetCore.Builder;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>The sidecar's spans and trace context as daprd's pkg/diagnostics makes them (FIDELITY.md, "Tracing").</summary>
public sealed class TracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Configuration(string rate) => $$"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata: { name: appconfig }
        spec:
          tracing:
            samplingRate: "{{rate}}"
        """;

    private const string Pubsub = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata: { name: pubsub }
        spec: { type: pubsub.in-memory, version: v1 }
        """;

    private const string OutboxStore = """
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
        """;

    /// <summary>Every finished sidecar span of the test's own cluster, by listening to the sidecars' sources.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name.StartsWith("dapr-diagnostics.", StringComparison.Ordinal),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => Spans.Enqueue(activity),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ConcurrentQueue<Activity> Spans { get; } = new();

        public IEnumerable<Activity> InTrace(string traceId) => Spans.Where(a => a.TraceId.ToHexString() == traceId);

        public void Dispose() => _listener.Dispose();
    }

    private static async Task<(EmbeddedDaprCluster Cluster, EmbeddedDaprSidecar Publisher, SubscriberApp App)> StartAsync(string rate, params string[] resources)
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(Configuration(rate));
        options.ResourceYaml.Add(Pubsub);
        foreach (var resource in resources)
        {
            options.ResourceYaml.Add(resource);
        }
        var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var publisher = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" }, Ct);
        var app = await SubscriberApp.StartAsync(
            (web, self) =>
            {
                web.MapGet("/dapr/subscribe", () => """[{"pubsubname":"pubsub","topic":"orders","route":"/orders"}]""");
                web.MapPost("/orders", self.Record("orders"));
            },
            useDaprAspNetCore: false);
        var subscriber = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "billing", AppBaseUrl = app.Url }, Ct);
        await subscriber.WaitForAppReadyAsync(Ct);
        return (cluster, publisher, app);
    }

    private static async Task SettleAsync(EmbeddedDaprCluster cluster) =>
        Assert.True(await PubSubModule.Broker(cluster).WaitForIdleAsync(TimeSpan.FromSeconds(10), Ct), "deliveries did not settle");

    private static string NewTraceParent(out string traceId)
    {
        traceId = ActivityTraceId.CreateRandom().ToHexString();
        return $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
    }

    [Fact]
    public async Task A_publish_and_its_delivery_are_daprd_spans_in_the_callers_trace_and_the_app_receives_the_delivery_span()
    {
        using var recorder = new SpanRecorder();
        var (cluster, publisher, app) = await StartAsync("1");
        await using var _ = cluster;
        await using var __ = app;
        using var http = publisher.CreateHttpClient();
        var caller = NewTraceParent(out var traceId);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/publish/pubsub/orders") { Content = JsonContent.Create(new { orderId = "o-1" }) };
        request.Headers.Add("traceparent", caller);
        request.Headers.Add("dapr-tenant", "shop-1");
        using (var response = await http.SendAsync(request, Ct))
        {
            Assert.True(response.IsSuccessStatusCode);
            Assert.Contains(traceId, response.Headers.GetValues("traceparent").Single(), StringComparison.Ordinal);
        }
        await SettleAsync(cluster);

        var publish = Assert.Single(recorder.InTrace(traceId), a => a.DisplayName == "/v1.0/publish/pubsub/orders");
        Assert.Equal(ActivityKind.Client, publish.Kind);
        Assert.Equal(caller.Split('-')[2], publish.ParentSpanId.ToHexString());
        Assert.Equal("pubsub", publish.GetTagItem("messaging.system"));
        Assert.Equal("orders", publish.GetTagItem("messaging.destination.name"));
        Assert.Equal("http", publish.GetTagItem("dapr.protocol"));
        Assert.Equal("POST /v1.0/publish/pubsub/orders", publish.GetTagItem("dapr.api"));
        Assert.Equal("204", publish.GetTagItem("dapr.status_code"));
        Assert.Equal("shop-1", publish.GetTagItem("dapr-tenant"));

        // The CloudEvent carries the publish span; the delivery span is its child, and is what the app receives.
        var (_, body, headers) = Assert.Single(app.Received);
        using var envelope = JsonDocument.Parse(body);
        Assert.Equal($"00-{traceId}-{publish.SpanId.ToHexString()}-01", envelope.RootElement.GetProperty("traceparent").GetString());
        Assert.Equal(envelope.RootElement.GetProperty("traceparent").GetString(), envelope.RootElement.GetProperty("traceid").GetString());
        var delivery = Assert.Single(recorder.InTrace(traceId), a => a.DisplayName == "pubsub/orders");
        Assert.Equal(ActivityKind.Client, delivery.Kind);
        Assert.Equal(publish.SpanId, delivery.ParentSpanId);
        Assert.Equal("orders", delivery.GetTagItem("messaging.destination.name"));
        Assert.Equal($"00-{traceId}-{delivery.SpanId.ToHexString()}-01", headers["traceparent"]);
    }

    [Fact]
    public async Task Service_invocation_is_a_caller_span_and_a_callee_server_span_and_the_app_receives_the_callee_span()
    {
        using var recorder = new SpanRecorder();
        var (cluster, publisher, app) = await StartAsync("1");
        await using var _ = cluster;
        await using var __ = app;
        using var http = publisher.CreateHttpClient();
        var caller = NewTraceParent(out var traceId);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/invoke/billing/method/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", caller);
        using (var response = await http.SendAsync(request, Ct))
        {
            Assert.True(response.IsSuccessStatusCode);
        }

        var outbound = Assert.Single(recorder.InTrace(traceId), a => a.Kind == ActivityKind.Client);
        Assert.Equal("CallLocal/billing/orders", outbound.DisplayName);
        Assert.Equal("ServiceInvocation", outbound.GetTagItem("rpc.service"));
        Assert.Equal("billing", outbound.GetTagItem("net.peer.name"));
        var inbound = Assert.Single(recorder.InTrace(traceId), a => a.Kind == ActivityKind.Server);
        Assert.Equal("CallLocal/billing/orders", inbound.DisplayName);
        Assert.Equal(outbound.SpanId, inbound.ParentSpanId);
        Assert.Equal("orders", inbound.GetTagItem("dapr.invoke_method"));
        Assert.Equal("/dapr.proto.internals.v1.ServiceInvocation/CallLocalStream", inbound.GetTagItem("dapr.api"));
        var (_, _, headers) = Assert.Single(app.Received);
        Assert.Equal($"00-{traceId}-{inbound.SpanId.ToHexString()}-01", headers["traceparent"]);
    }

    [Fact]
    public async Task An_outboxed_event_starts_a_new_trace_unless_the_app_puts_its_traceparent_in_the_operation_metadata()
    {
        using var recorder = new SpanRecorder();
        var (cluster, publisher, app) = await StartAsync("1", OutboxStore);
        await using var _ = cluster;
        await using var __ = app;
        using var http = publisher.CreateHttpClient();

        async Task<JsonElement> CommitAsync(string caller, Dictionary<string, string> metadata)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/state/order-store/transaction")
            {
                Content = JsonContent.Create(new { operations = new[] { new { operation = "upsert", request = new { key = Guid.NewGuid().ToString(), value = new { id = 1 }, metadata } } } }),
            };
            request.Headers.Add("traceparent", caller);
            using var response = await http.SendAsync(request, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            await SettleAsync(cluster);
            var (_, body, headers) = app.Received.Last();
            using var envelope = JsonDocument.Parse(body);
            return JsonDocument.Parse(JsonSerializer.Serialize(new { envelope = envelope.RootElement, received = headers["traceparent"] })).RootElement;
        }

        // daprd: "traceid" is the transaction's span, "traceparent" stays empty, and delivery reads traceparent first.
        var plain = await CommitAsync(NewTraceParent(out var plainTrace), []);
        var transaction = Assert.Single(recorder.InTrace(plainTrace), a => a.DisplayName == "/v1.0/state/order-store/transaction");
        Assert.Equal($"00-{plainTrace}-{transaction.SpanId.ToHexString()}-01", plain.GetProperty("envelope").GetProperty("traceid").GetString());
        Assert.Equal("", plain.GetProperty("envelope").GetProperty("traceparent").GetString());
        Assert.DoesNotContain(plainTrace, plain.GetProperty("received").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(recorder.InTrace(plainTrace), a => a.DisplayName == "pubsub/orders");

        // With the app's own traceparent in the operation's metadata (copied into the envelope), the trace goes on.
        var appSpan = NewTraceParent(out var carriedTrace);
        var carried = await CommitAsync(NewTraceParent(out var transactionTrace), new Dictionary<string, string> { ["traceparent"] = appSpan });
        Assert.Equal(appSpan, carried.GetProperty("envelope").GetProperty("traceparent").GetString());
        var delivery = Assert.Single(recorder.InTrace(carriedTrace), a => a.DisplayName == "pubsub/orders");
        Assert.Equal(appSpan.Split('-')[2], delivery.ParentSpanId.ToHexString());
        Assert.Equal($"00-{carriedTrace}-{delivery.SpanId.ToHexString()}-01", carried.GetProperty("received").GetString());
    }

    [Fact]
    public async Task A_sampling_rate_of_zero_makes_no_spans_yet_delivers_as_before()
    {
        using var recorder = new SpanRecorder();
        var (cluster, publisher, app) = await StartAsync("0");
        await using var _ = cluster;
        await using var __ = app;
        using var http = publisher.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/publish/pubsub/orders") { Content = JsonContent.Create(new { orderId = "o-2" }) };
        request.Headers.Add("traceparent", NewTraceParent(out var traceId));
        using (var response = await http.SendAsync(request, Ct))
        {
            Assert.True(response.IsSuccessStatusCode);
        }
        await SettleAsync(cluster);

        Assert.Single(app.Received);
        Assert.Empty(recorder.InTrace(traceId));
    }
}
