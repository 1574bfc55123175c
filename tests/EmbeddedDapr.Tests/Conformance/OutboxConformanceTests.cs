using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Flipkart.EmbeddedDapr.PubSub;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>
/// daprd's transactional outbox (dapr/dapr pkg/runtime/pubsub/outbox.go), observed through public APIs only: the app
/// subscribes to the internal hand-off topic as well as to the final one, and the stores use <c>keyPrefix: none</c> so
/// the app can read the <c>outbox-&lt;uuid&gt;</c> markers daprd writes without a prefix. One daprd with an in-memory
/// pubsub can serve it (the in-memory bus hands each message to every handler of the topic, daprd's own included).
/// </summary>
public class OutboxConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    // NAMESPACE is not set in the test run, so daprd's namespace is "default".
    private const string HandOffTopic = "defaultconformanceordersoutbox";
    private const string LockedHandOffTopic = "defaultconformancelockedoutbox";

    private static string[] Resources =>
    [
        .. ConformanceResources.Default,
        ConformanceResources.Component("pubsub", "pubsub.in-memory"),
        ConformanceResources.Component("outboxstore", "state.in-memory", metadata: """
            - name: keyPrefix
              value: none
            - name: outboxPublishPubsub
              value: pubsub
            - name: outboxPublishTopic
              value: orders
            """),
        // Its pubsub lets the app publish to the hand-off topic but not to the final one, so the relay can never finish.
        ConformanceResources.Component("lockedpubsub", "pubsub.in-memory", metadata: $"""
            - name: publishingScopes
              value: "conformance={LockedHandOffTopic}"
            """),
        ConformanceResources.Component("lockedstore", "state.in-memory", metadata: """
            - name: keyPrefix
              value: none
            - name: outboxPublishPubsub
              value: lockedpubsub
            - name: outboxPublishTopic
              value: locked
            """),
        ConformanceResources.Component("redisoutbox", "state.redis", metadata: """
            - name: redisHost
              value: localhost:6379
            - name: keyPrefix
              value: none
            - name: outboxPublishPubsub
              value: pubsub
            - name: outboxPublishTopic
              value: orders
            """),
    ];

    private const string Subscriptions = $$"""
        [
          {"pubsubname":"pubsub","topic":"orders","route":"/orders"},
          {"pubsubname":"pubsub","topic":"{{HandOffTopic}}","route":"/hand-off"},
          {"pubsubname":"lockedpubsub","topic":"{{LockedHandOffTopic}}","route":"/locked-hand-off"}
        ]
        """;

    private sealed class Subscriber : IAsyncDisposable
    {
        private SubscriberApp _app = null!;

        public ConcurrentQueue<(string Path, JsonElement Event, TimeSpan At)> Received { get; } = new();

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public Uri Url => _app.Url;

        public IReadOnlyList<JsonElement> Events(string path) => [.. Received.Where(r => r.Path == path).Select(r => r.Event)];

        public async Task StartAsync() => _app = await SubscriberApp.StartAsync(
            (web, _) =>
            {
                web.MapGet("/dapr/subscribe", () => Results.Text(Subscriptions, "application/json"));
                foreach (var path in new[] { "/orders", "/hand-off", "/locked-hand-off" })
                {
                    web.MapPost(path, async (HttpContext context) =>
                    {
                        using var document = await JsonDocument.ParseAsync(context.Request.Body);
                        Received.Enqueue((path, document.RootElement.Clone(), Clock.Elapsed));
                        return Results.Ok();
                    });
                }
            },
            useDaprAspNetCore: false);

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    private static async Task<(Sut Sut, Subscriber App)> StartAsync(string target, bool daprdTiming = false)
    {
        var app = new Subscriber();
        await app.StartAsync();
        var sut = await Sut.StartAsync(target, new SutSpec { Resources = Resources, AppUrl = app.Url });
        if (sut.Cluster is { } cluster && !daprdTiming)
        {
            // Test-only: every step of the relay runs, 10 times faster (daprd keeps its own waits).
            PubSubModule.Outbox(cluster).Timing = OutboxTiming.Daprd.Scaled(0.1);
        }

        await PubSubTestData.Until(() =>
        {
            var metadata = JsonDocument.Parse(sut.Http.GetStringAsync("/v1.0/metadata", Ct).GetAwaiter().GetResult()).RootElement;
            return metadata.TryGetProperty("subscriptions", out var subs) && subs.GetArrayLength() >= 3;
        });
        return (sut, app);
    }

    private static StateTransactionRequest Upsert(string key, string json, string? etag = null) => new(
        key, Encoding.UTF8.GetBytes(json), StateOperationType.Upsert, etag,
        new Dictionary<string, string> { ["contentType"] = "application/json", ["type"] = "OrderPlaced" });

    private static Task Until(Func<bool> condition, int timeoutMs = 30_000) => PubSubTestData.Until(condition, timeoutMs);

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_event_is_handed_to_namespace_app_id_topic_outbox_then_published_with_the_marker_as_its_id(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        var key = Sut.Key("order");

        await sut.Dapr.ExecuteStateTransactionAsync("outboxstore", [Upsert(key, $$"""{"id":"{{key}}"}""")], cancellationToken: Ct);
        await Until(() => app.Events("/orders").Count == 1);

        var handOff = Assert.Single(app.Events("/hand-off"));
        var final = Assert.Single(app.Events("/orders"));
        Assert.StartsWith("outbox-", handOff.GetProperty("id").GetString());
        Assert.Equal(handOff.GetProperty("id").GetString(), final.GetProperty("id").GetString());
        Assert.Equal(("", "pubsub"), (handOff.GetProperty("topic").GetString(), handOff.GetProperty("pubsubname").GetString()));
        Assert.Equal(("orders", "pubsub"), (final.GetProperty("topic").GetString(), final.GetProperty("pubsubname").GetString()));
        Assert.Equal(("OrderPlaced", key), (final.GetProperty("type").GetString(), final.GetProperty("data").GetProperty("id").GetString()));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_relay_publishes_no_sooner_than_a_second_after_the_commit_then_deletes_the_marker(string target)
    {
        var (sut, app) = await StartAsync(target, daprdTiming: true);
        await using var _ = sut;
        await using var __ = app;

        var committedAt = app.Clock.Elapsed;
        await sut.Dapr.ExecuteStateTransactionAsync("outboxstore", [Upsert(Sut.Key("order"), "{}")], cancellationToken: Ct);
        await Until(() => app.Events("/orders").Count == 1);
        var publishedAt = app.Received.Single(r => r.Path == "/orders").At;
        var marker = app.Events("/orders")[0].GetProperty("id").GetString()!;
        await Until(() => sut.Dapr.GetStateAsync<JsonElement?>("outboxstore", marker, cancellationToken: Ct).GetAwaiter().GetResult() is null);

        Assert.True(publishedAt - committedAt >= TimeSpan.FromSeconds(0.9), $"published {publishedAt - committedAt} after the commit");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_marker_commits_with_the_transaction_unprefixed_with_value_0(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        await sut.Dapr.ExecuteStateTransactionAsync("lockedstore", [Upsert(Sut.Key("order"), "{}")], cancellationToken: Ct);
        await Until(() => app.Events("/locked-hand-off").Count == 1);
        var marker = app.Events("/locked-hand-off")[0].GetProperty("id").GetString()!;

        // The relay found the marker but may not publish to `locked`, so it never deletes it.
        Assert.Equal("0", (await sut.Dapr.GetStateAsync<JsonElement?>("lockedstore", marker, cancellationToken: Ct))?.GetRawText());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_transaction_that_failed_on_an_atomic_store_was_handed_off_but_is_never_published(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        var key = Sut.Key("order");
        await sut.Dapr.SaveStateAsync("outboxstore", key, new { v = 1 }, cancellationToken: Ct);

        var failure = await Assert.ThrowsAsync<DaprException>(() => sut.Dapr.ExecuteStateTransactionAsync("outboxstore",
            [Upsert(key, """{"v":2}""", etag: "stale")], cancellationToken: Ct));
        await Until(() => app.Events("/hand-off").Count == 1);
        var marker = app.Events("/hand-off")[0].GetProperty("id").GetString()!;
        // Publish and commit a second order: the relay handles hand-offs in order, so once it is out the first is settled.
        var next = Sut.Key("order");
        await sut.Dapr.ExecuteStateTransactionAsync("outboxstore", [Upsert(next, $$"""{"id":"{{next}}"}""")], cancellationToken: Ct);
        await Until(() => app.Events("/orders").Count == 1, timeoutMs: 60_000);

        Assert.Equal(StatusCode.Internal, Assert.IsType<RpcException>(failure.InnerException).StatusCode);
        Assert.Equal(next, Assert.Single(app.Events("/orders")).GetProperty("data").GetProperty("id").GetString());
        Assert.Null(await sut.Dapr.GetStateAsync<JsonElement?>("outboxstore", marker, cancellationToken: Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task On_redis_a_transaction_that_failed_its_etag_check_still_publishes_its_event(string target)
    {
        // MULTI/EXEC has no rollback: the order upsert fails its version check, the marker upsert beside it lands, and
        // the relay finds it. The caller was told the transaction failed; subscribers hear that it happened.
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        var key = Sut.Key("order");
        await sut.Dapr.SaveStateAsync("redisoutbox", key, new { v = 1 }, cancellationToken: Ct);
        var (_, etag) = await sut.Dapr.GetStateAndETagAsync<JsonElement>("redisoutbox", key, cancellationToken: Ct);
        await sut.Dapr.SaveStateAsync("redisoutbox", key, new { v = 2 }, cancellationToken: Ct); // the winner moved on

        var failure = await Assert.ThrowsAsync<DaprException>(() => sut.Dapr.ExecuteStateTransactionAsync("redisoutbox",
            [Upsert(key, """{"v":"loser"}""", etag: etag)], cancellationToken: Ct));
        await Until(() => app.Events("/orders").Count == 1);

        Assert.Equal(StatusCode.Internal, Assert.IsType<RpcException>(failure.InnerException).StatusCode);
        Assert.Equal("loser", Assert.Single(app.Events("/orders")).GetProperty("data").GetProperty("v").GetString());
        Assert.Equal(2, (await sut.Dapr.GetStateAsync<JsonElement>("redisoutbox", key, cancellationToken: Ct)).GetProperty("v").GetInt32());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_projection_is_published_in_place_of_the_stored_value(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        var key = Sut.Key("order");

        await sut.Dapr.ExecuteStateTransactionAsync("outboxstore",
        [
            new StateTransactionRequest(key, Encoding.UTF8.GetBytes("""{"secret":1}"""), StateOperationType.Upsert),
            new StateTransactionRequest(key, Encoding.UTF8.GetBytes("""{"public":1}"""), StateOperationType.Upsert, metadata: new Dictionary<string, string>
            {
                ["outbox.projection"] = "true",
                ["contentType"] = "application/json",
            }),
        ], cancellationToken: Ct);
        await Until(() => app.Events("/orders").Count == 1);

        Assert.Equal(1, Assert.Single(app.Events("/orders")).GetProperty("data").GetProperty("public").GetInt32());
        Assert.Equal(1, (await sut.Dapr.GetStateAsync<JsonElement>("outboxstore", key, cancellationToken: Ct)).GetProperty("secret").GetInt32());
    }
}
