using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>
/// Pub/sub behaviours checked against every target (embedded, and real daprd when available). One sidecar publishes
/// to its own app through a <c>pubsub.in-memory</c> component, which a single daprd can serve too.
/// </summary>
public class PubSubConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private static readonly string[] Resources =
    [
        .. ConformanceResources.Default,
        ConformanceResources.Component("pubsub", "pubsub.in-memory"),
    ];

    private const string Subscriptions = """
        [
          {"pubsubname":"pubsub","topic":"plain","route":"/plain"},
          {"pubsubname":"pubsub","topic":"raw","route":"/raw","metadata":{"rawPayload":"true"}},
          {"pubsubname":"pubsub","topic":"routed","routes":{"rules":[
              {"match":"event.type == \"A\"","path":"/a"},
              {"match":"event.data.kind == \"b\" && event.type != \"A\"","path":"/b"}],"default":"/fallback"}},
          {"pubsubname":"pubsub","topic":"strict","routes":{"rules":[{"match":"event.type == \"Wanted\"","path":"/plain"}]},"deadLetterTopic":"dead"},
          {"pubsubname":"pubsub","topic":"dropped","route":"/drop","deadLetterTopic":"dead"},
          {"pubsubname":"pubsub","topic":"missing-route","route":"/no-such-route","deadLetterTopic":"dead"},
          {"pubsubname":"pubsub","topic":"failing","route":"/fail"},
          {"pubsubname":"pubsub","topic":"flaky","route":"/flaky"},
          {"pubsubname":"pubsub","topic":"dead","route":"/dead"}
        ]
        """;

    private sealed class Subscriber : IAsyncDisposable
    {
        private SubscriberApp _app = null!;
        private int _flaky;

        public ConcurrentQueue<(string Path, string ContentType, string Body, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

        public Uri Url => _app.Url;

        public IEnumerable<JsonElement> Events(string path) =>
            Received.Where(r => r.Path == path).Select(r => JsonDocument.Parse(r.Body).RootElement.Clone());

        public async Task StartAsync() => _app = await SubscriberApp.StartAsync(
            (web, _) =>
            {
                web.MapGet("/dapr/subscribe", () => Results.Text(Subscriptions, "application/json"));
                foreach (var path in new[] { "/plain", "/raw", "/a", "/b", "/fallback", "/dead" })
                {
                    web.MapPost(path, (Delegate)((HttpContext context) => RecordAsync(context, Results.Ok())));
                }

                web.MapPost("/drop", (Delegate)((HttpContext context) => RecordAsync(context, Results.Json(new { status = "DROP" }))));
                web.MapPost("/fail", (Delegate)((HttpContext context) => RecordAsync(context, Results.StatusCode(500))));
                web.MapPost("/flaky", (Delegate)((HttpContext context) => RecordAsync(
                    context, Interlocked.Increment(ref _flaky) == 1 ? Results.Json(new { status = "RETRY" }) : Results.Json(new { status = "SUCCESS" }))));
            },
            useDaprAspNetCore: false);

        private async Task<IResult> RecordAsync(HttpContext context, IResult result)
        {
            using var reader = new StreamReader(context.Request.Body);
            Received.Enqueue((context.Request.Path, context.Request.ContentType ?? "", await reader.ReadToEndAsync(),
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
            return result;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    private static async Task<(Sut Sut, Subscriber App)> StartAsync(string target)
    {
        var app = new Subscriber();
        await app.StartAsync();
        var sut = await Sut.StartAsync(target, new SutSpec { Resources = Resources, AppUrl = app.Url });

        // Subscriptions are live once the sidecar lists them (both daprd and the emulator read /dapr/subscribe once).
        await PubSubTestData.Until(() =>
        {
            var metadata = JsonDocument.Parse(sut.Http.GetStringAsync("/v1.0/metadata", Ct).GetAwaiter().GetResult()).RootElement;
            return metadata.TryGetProperty("subscriptions", out var subs) && subs.GetArrayLength() > 0;
        });
        return (sut, app);
    }

    private static Task Until(Func<bool> condition) => PubSubTestData.Until(condition);

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_published_object_arrives_as_a_cloudevent_with_daprds_fields(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await sut.Dapr.PublishEventAsync("pubsub", "plain", new { orderId = "o-1", total = 12.5 }, Ct);
        await Until(() => app.Events("/plain").Any());

        var (path, contentType, body, headers) = app.Received.Single(r => r.Path == "/plain");
        var ce = JsonDocument.Parse(body).RootElement;
        Assert.Equal("application/cloudevents+json", contentType);
        Assert.Equal("pubsub", headers["pubsubname"]);
        Assert.Equal("/plain", path);
        Assert.True(Guid.TryParse(ce.GetProperty("id").GetString(), out Guid _));
        Assert.Equal(ConformanceResources.AppId, ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal("application/json", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal(("plain", "pubsub"), (ce.GetProperty("topic").GetString(), ce.GetProperty("pubsubname").GetString()));
        Assert.Equal(12.5, ce.GetProperty("data").GetProperty("total").GetDouble());
        Assert.Equal(ce.GetProperty("traceparent").GetString(), ce.GetProperty("traceid").GetString());
        Assert.True(DateTimeOffset.TryParse(ce.GetProperty("time").GetString(), out DateTimeOffset _));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Cloudevent_metadata_overrides_id_and_type(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await sut.Dapr.PublishEventAsync("pubsub", "plain", new { n = 1 },
            new Dictionary<string, string> { ["cloudevent.id"] = "my-id", ["cloudevent.type"] = "OrderPlaced" }, Ct);
        await Until(() => app.Events("/plain").Any());

        var ce = app.Events("/plain").Single();
        Assert.Equal(("my-id", "OrderPlaced"), (ce.GetProperty("id").GetString(), ce.GetProperty("type").GetString()));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_cloudevent_from_the_app_is_not_wrapped_again(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await sut.Dapr.PublishEventAsync("pubsub", "plain", new Dapr.CloudEvent<object>(new { n = 7 }) { Source = new Uri("urn:shop"), Type = "Custom" }, Ct);
        await Until(() => app.Events("/plain").Any());

        var ce = app.Events("/plain").Single();
        Assert.Equal(("Custom", "urn:shop", 7), (ce.GetProperty("type").GetString(), ce.GetProperty("source").GetString(), ce.GetProperty("data").GetProperty("n").GetInt32()));
        Assert.Equal("plain", ce.GetProperty("topic").GetString());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_raw_payload_reaches_a_raw_subscriber_as_data_base64(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await sut.Grpc.PublishEventAsync(new Proto.PublishEventRequest
        {
            PubsubName = "pubsub", Topic = "raw", Data = ByteString.CopyFromUtf8("not a cloudevent"), DataContentType = "text/plain",
            Metadata = { ["rawPayload"] = "true" },
        }, sut.Call);
        await Until(() => app.Events("/raw").Any());

        var ce = app.Events("/raw").Single();
        Assert.Equal("application/octet-stream", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("not a cloudevent", Encoding.UTF8.GetString(Convert.FromBase64String(ce.GetProperty("data_base64").GetString()!)));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Routing_rules_pick_the_first_match_and_the_default_takes_the_rest(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await Publish(sut, "routed", "A", new { kind = "b" });
        await Publish(sut, "routed", "B", new { kind = "b" });
        await Publish(sut, "routed", "C", new { kind = "c" });
        await Until(() => app.Received.Count >= 3);

        Assert.Equal(["/a:A", "/b:B", "/fallback:C"],
            app.Received.Select(r => $"{r.Path}:{JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()}").Order());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unmatched_event_is_skipped_and_dead_lettered_untouched(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await Publish(sut, "strict", "Unwanted", new { n = 1 });
        await Until(() => app.Events("/dead").Any());

        var dead = app.Events("/dead").Single();
        Assert.Equal(("strict", "Unwanted"), (dead.GetProperty("topic").GetString(), dead.GetProperty("type").GetString()));
        Assert.Empty(app.Events("/plain"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Drop_and_404_answers_are_not_retried_and_go_to_the_dead_letter_topic(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await Publish(sut, "dropped", "Dropped", new { n = 1 });
        await Publish(sut, "missing-route", "Missing", new { n = 2 });
        await Until(() => app.Events("/dead").Count() == 2);
        await Task.Delay(300, Ct); // a retry by daprd would have arrived by now

        Assert.Single(app.Received, r => r.Path == "/drop");
        Assert.Equal(["dropped", "missing-route"], app.Events("/dead").Select(e => e.GetProperty("topic").GetString()).Order());
    }

    // components-contrib 1.17 removed the in-memory component's 10 re-runs (#4191): without a resiliency policy daprd
    // makes one attempt, hands the error back, and the component only logs it. The message is gone.
    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_in_memory_component_loses_a_message_whose_handler_failed(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await Publish(sut, "failing", "Failing", new { n = 1 });
        await Until(() => app.Received.Any(r => r.Path == "/fail"));
        await Publish(sut, "plain", "Marker", new { n = 2 });
        await Until(() => app.Events("/plain").Any());
        await Task.Delay(300, Ct);

        Assert.Single(app.Received, r => r.Path == "/fail");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_retry_status_without_a_resiliency_policy_is_not_redelivered_by_the_in_memory_component(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await Publish(sut, "flaky", "Flaky", new { n = 1 });
        await Until(() => app.Received.Any(r => r.Path == "/flaky"));
        await Publish(sut, "plain", "Marker", new { n = 2 });
        await Until(() => app.Events("/plain").Any());
        await Task.Delay(300, Ct);

        Assert.Single(app.Received, r => r.Path == "/flaky");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Publish_errors_follow_daprds_order_and_codes(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var unknown = await ThrowsRpc(() => sut.Grpc.PublishEventAsync(new Proto.PublishEventRequest { PubsubName = "nope", Topic = "" }, sut.Call).ResponseAsync);
        var noTopic = await ThrowsRpc(() => sut.Grpc.PublishEventAsync(new Proto.PublishEventRequest { PubsubName = "pubsub", Topic = "" }, sut.Call).ResponseAsync);
        var badRaw = await ThrowsRpc(() => sut.Grpc.PublishEventAsync(
            new Proto.PublishEventRequest { PubsubName = "pubsub", Topic = "plain", Metadata = { ["rawPayload"] = "maybe" } }, sut.Call).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "pubsub nope is not found"), (unknown.StatusCode, unknown.Status.Detail));
        Assert.Equal("DAPR_PUBSUB_NOT_FOUND", ErrorInfo(unknown)?.Reason);
        Assert.Equal((StatusCode.InvalidArgument, "topic is empty in pubsub pubsub"), (noTopic.StatusCode, noTopic.Status.Detail));
        Assert.Equal("DAPR_PUBSUB_TOPIC_NAME_EMPTY", ErrorInfo(noTopic)?.Reason);
        Assert.Equal(StatusCode.InvalidArgument, badRaw.StatusCode);
        Assert.Equal("DAPR_PUBSUB_METADATA_DESERIALIZATION", ErrorInfo(badRaw)?.Reason);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Bulk_publish_needs_unique_entry_ids_and_delivers_each_entry(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        Proto.BulkPublishRequestEntry Entry(string id) => new() { EntryId = id, Event = ByteString.CopyFromUtf8("{\"id\":\"" + id + "\"}"), ContentType = "application/json" };

        var duplicate = await ThrowsRpc(() => sut.Grpc.BulkPublishEventAsync(
            new Proto.BulkPublishRequest { PubsubName = "pubsub", Topic = "plain", Entries = { Entry("1"), Entry("1") } }, sut.Call).ResponseAsync);
        var response = await sut.Grpc.BulkPublishEventAsync(
            new Proto.BulkPublishRequest { PubsubName = "pubsub", Topic = "plain", Entries = { Entry("x"), Entry("y") } }, sut.Call);
        await Until(() => app.Events("/plain").Count() == 2);

        Assert.Equal(StatusCode.InvalidArgument, duplicate.StatusCode);
        Assert.Empty(response.FailedEntries);
        Assert.Equal(["x", "y"], app.Events("/plain").Select(e => e.GetProperty("data").GetProperty("id").GetString()).Order());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Http_publish_answers_204_and_404_for_an_unknown_pubsub(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var ok = await sut.Http.PostAsync("/v1.0/publish/pubsub/plain", new StringContent("{\"via\":\"http\"}", Encoding.UTF8, "application/json"), Ct);
        var missing = await sut.Http.PostAsync("/v1.0/publish/nope/plain", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        await Until(() => app.Events("/plain").Any());

        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal("http", app.Events("/plain").Single().GetProperty("data").GetProperty("via").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("ERR_PUBSUB_NOT_FOUND", JsonDocument.Parse(await missing.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errorCode").GetString());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Subscriptions_read_from_the_app_are_listed_in_metadata(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var metadata = JsonDocument.Parse(await sut.Http.GetStringAsync("/v1.0/metadata", Ct)).RootElement;

        var routed = metadata.GetProperty("subscriptions").EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "routed");
        Assert.Equal(["/a", "/b", "/fallback"], routed.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("event.type == \"A\"", routed.GetProperty("rules")[0].GetProperty("match").GetString());
    }

    private static Task Publish(Sut sut, string topic, string type, object data) =>
        sut.Dapr.PublishEventAsync("pubsub", topic, data, new Dictionary<string, string> { ["cloudevent.type"] = type }, Ct);
}
