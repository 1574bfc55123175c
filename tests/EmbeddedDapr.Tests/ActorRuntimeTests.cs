using System.Net;
using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>Actors driven the way services drive them: Dapr.Actors proxies and runtime over the sidecar's HTTP API.</summary>
public class ActorRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hundred_concurrent_calls_to_one_actor_never_overlap()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe);
        var actor = sidecar.Counter("hot");

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => actor.IncrementAsync(), Ct)));

        Assert.Equal(0, probe.Overlaps);
        Assert.Equal(Enumerable.Range(1, 200), results.Order());
    }

    [Fact]
    public async Task Different_actor_ids_keep_their_own_state_and_are_counted_in_metadata()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());

        await Task.WhenAll(Enumerable.Range(0, 5).SelectMany(i => Enumerable.Range(0, 3).Select(_ => sidecar.Counter($"a{i}").IncrementAsync())));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(4, await sidecar.Counter($"a{i}").IncrementAsync());
        }

        using var dapr = sidecar.Sidecar.CreateDaprClient();
        var metadata = await dapr.GetMetadataAsync(Ct);
        var counter = Assert.Single(metadata.Actors);
        Assert.Equal(("CounterActor", 5), (counter.Type, counter.Count));
    }

    [Fact]
    public async Task State_manager_saves_and_reads_state_under_daprds_key_layout()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("cart");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        var actor = sidecar.Counter("c-1");

        await actor.SetValueAsync(new KeyValue("colour", "blue"));

        Assert.Equal("blue", await actor.GetValueAsync("colour"));
        Assert.Null(await actor.GetValueAsync("missing"));
        Assert.True(rig.Cluster.StateStores["actor-store"].Get("cart||CounterActor||c-1||colour").Found);
        using var client = sidecar.CreateClient();
        using var present = await client.GetAsync("v1.0/actors/CounterActor/c-1/state/colour", Ct);
        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        Assert.Equal("application/json", present.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"blue\"", await present.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task State_get_answers_204_when_the_key_is_absent()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("cart");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        using var client = sidecar.CreateClient();

        using var response = await client.GetAsync("v1.0/actors/CounterActor/nobody/state/nothing", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_state_transaction_for_an_actor_not_active_here_is_instance_missing()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("cart");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        using var client = sidecar.CreateClient();

        using var response = await client.PutAsync(
            "v1.0/actors/CounterActor/never-called/state",
            new StringContent("""[{"operation":"upsert","request":{"key":"k","value":1}}]"""),
            Ct);

        await AssertDaprError(response, HttpStatusCode.BadRequest, "ERR_ACTOR_INSTANCE_MISSING", "actor instance is missing");
    }

    [Fact]
    public async Task Actor_state_ttl_is_rejected_without_the_ActorStateTTL_feature()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("cart");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        await sidecar.Counter("t").PingAsync();
        using var client = sidecar.CreateClient();

        using var response = await client.PutAsync(
            "v1.0/actors/CounterActor/t/state",
            new StringContent("""[{"operation":"upsert","request":{"key":"k","value":1,"metadata":{"ttlInSeconds":"5"}}}]"""),
            Ct);

        await AssertDaprError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_STATE_TRANSACTION_SAVE",
            "error saving actor transaction state: ttlInSeconds is not supported without the \"ActorStateTTL\" feature enabled");
    }

    [Fact]
    public async Task Actor_state_ttl_applies_and_is_reported_when_the_feature_is_on()
    {
        await using var rig = await ActorTestCluster.StartAsync(ActorTestCluster.ActorStoreYaml, """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: appconfig
            spec:
              features:
              - name: ActorStateTTL
                enabled: true
            """);
        var sidecar = await rig.AddSidecarAsync("cart");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        await sidecar.Counter("t").PingAsync();
        using var client = sidecar.CreateClient();

        using var saved = await client.PutAsync(
            "v1.0/actors/CounterActor/t/state",
            new StringContent("""[{"operation":"upsert","request":{"key":"k","value":{"n":1},"metadata":{"ttlInSeconds":"30"}}}]"""),
            Ct);
        using var read = await client.GetAsync("v1.0/actors/CounterActor/t/state/k", Ct);
        rig.Time.Advance(TimeSpan.FromSeconds(31));
        using var expired = await client.GetAsync("v1.0/actors/CounterActor/t/state/k", Ct);

        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal("""{"n":1}""", await read.Content.ReadAsStringAsync(Ct));
        Assert.Equal("2026-01-01T00:00:30Z", read.Headers.GetValues("metadata.ttlExpireTime").Single());
        Assert.Equal(HttpStatusCode.NoContent, expired.StatusCode);
    }

    [Fact]
    public async Task Actor_state_needs_a_store_with_etags_and_transactions()
    {
        await using var rig = await ActorTestCluster.StartAsync("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: actor-store
            spec:
              type: state.cassandra
              version: v1
              metadata:
              - name: hosts
                value: localhost
              - name: actorStateStore
                value: "true"
            """);
        var sidecar = await rig.AddSidecarAsync("cart");
        using var client = sidecar.CreateClient();

        using var response = await client.GetAsync("v1.0/actors/CounterActor/x/state/k", Ct);

        await AssertDaprError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_STATE_GET",
            "error getting actor state: actors: state store does not exist or incorrectly configured. Have you set the property '{\"name\": \"actorStateStore\", \"value\": \"true\"}' in your state store component file?");
    }

    [Fact]
    public async Task Without_an_actor_state_store_state_calls_are_runtime_not_found()
    {
        await using var rig = await ActorTestCluster.StartAsync("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.in-memory
              version: v1
            """);
        var sidecar = await rig.AddSidecarAsync("cart");
        using var client = sidecar.CreateClient();

        using var response = await client.GetAsync("v1.0/actors/CounterActor/x/state/k", Ct);

        await AssertDaprError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_RUNTIME_NOT_FOUND");
    }

    [Fact]
    public async Task A_remoting_exception_reaches_the_caller_as_ActorMethodInvocationException()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());

        var ex = await Assert.ThrowsAsync<ActorMethodInvocationException>(() => sidecar.Counter("boom").FailAsync("out of stock"));

        Assert.Contains("out of stock", ex.InnerException?.Message);
    }

    [Fact]
    public async Task A_non_remoting_exception_becomes_ERR_ACTOR_INVOKE_METHOD()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        var actor = ActorProxy.Create(new ActorId("boom"), "CounterActor", new ActorProxyOptions { HttpEndpoint = sidecar.Url });

        var ex = await Assert.ThrowsAsync<DaprApiException>(() => actor.InvokeMethodAsync("FailAsync", "no stock", Ct));

        Assert.Equal("ERR_ACTOR_INVOKE_METHOD", ex.ErrorCode);
        Assert.StartsWith("error invoke actor method: error from actor service: (500)", ex.Message);
    }

    [Fact]
    public async Task A_non_remoting_call_round_trips_json()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        var actor = ActorProxy.Create(new ActorId("json"), "CounterActor", new ActorProxyOptions { HttpEndpoint = sidecar.Url });

        await actor.InvokeMethodAsync("SetValueAsync", new KeyValue("size", "XL"), Ct);

        Assert.Equal("XL", await actor.InvokeMethodAsync<string, string?>("GetValueAsync", "size", Ct));
    }

    [Fact]
    public async Task An_app_404_is_actor_method_not_found_and_headers_and_body_of_a_200_pass_through()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = new FixedActorApp("""{"entities":["Recorded"]}""");
        sidecar.Sidecar.AttachApp(() => app);
        await sidecar.Sidecar.WaitForAppReadyAsync(Ct);
        using var client = sidecar.CreateClient();

        app.Next = () =>
        {
            var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"v\":1}", Encoding.UTF8, "application/json") };
            ok.Headers.Add("X-DaprErrorResponseHeader", "remote-error");
            return ok;
        };
        using var passed = await client.PutAsync("v1.0/actors/Recorded/r/method/Do?x=1", new StringContent("in"), Ct);
        app.Next = () => new HttpResponseMessage(HttpStatusCode.NotFound);
        using var notFound = await client.PostAsync("v1.0/actors/Recorded/r/method/Missing", new StringContent("in"), Ct);

        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.Equal("remote-error", passed.Headers.GetValues("X-DaprErrorResponseHeader").Single());
        Assert.Equal("{\"v\":1}", await passed.Content.ReadAsStringAsync(Ct));
        var forwarded = app.Requests.First(r => r.Path.EndsWith("/Do", StringComparison.Ordinal));
        Assert.Equal(("PUT", "/actors/Recorded/r/method/Do", "?x=1", "in"), (forwarded.Method, forwarded.Path, forwarded.Query, forwarded.Body));
        Assert.Equal("PUT", app.Requests.Last().Method);
        await AssertDaprError(notFound, HttpStatusCode.InternalServerError, "ERR_ACTOR_INVOKE_METHOD",
            "error invoke actor method: actor method not found: actors/Recorded/r/method/Missing");
    }

    [Fact]
    public async Task An_unknown_actor_type_fails_lookup_after_retries()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        var actor = sidecar.Proxies().CreateActorProxy<ICounterActor>(new ActorId("1"), "NoSuchActor");

        var ex = await Assert.ThrowsAsync<DaprApiException>(() => actor.PingAsync());

        Assert.Equal("ERR_ACTOR_INVOKE_METHOD", ex.ErrorCode);
        Assert.Equal("error invoke actor method: failed to lookup actor: did not find address for actor 'NoSuchActor||1'", ex.Message);
    }

    [Fact]
    public async Task A_type_registered_while_the_lookup_retries_is_found()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        rig.Actors.Options.LookupRetries = 1500; // up to 30 s for the app to come up on a loaded machine
        var caller = await rig.AddSidecarAsync("caller");
        var host = await rig.AddSidecarAsync("counter");
        var pending = caller.Counter("late").IncrementAsync();

        await rig.StartAppAsync(host, new ActorProbe());

        Assert.Equal(1, await pending);
    }

    [Fact]
    public async Task An_app_whose_config_answer_is_not_200_hosts_no_actors()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("plain");
        var app = new FixedActorApp(config: null);
        sidecar.Sidecar.AttachApp(() => app);
        await sidecar.Sidecar.WaitForAppReadyAsync(Ct);

        Assert.Contains(app.Requests, r => r.Path == "/dapr/config");
        Assert.False(rig.Actors.IsTypeHosted("Recorded"));
        Assert.Empty(rig.Actors.Hosts);
    }

    [Fact]
    public async Task Calls_spread_across_replicas_then_stick_per_actor_id()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var first = await rig.AddSidecarAsync("counter");
        var second = await rig.AddSidecarAsync("counter");
        var probeA = new ActorProbe();
        var probeB = new ActorProbe();
        await rig.StartAppAsync(first, probeA);
        await rig.StartAppAsync(second, probeB);

        foreach (var id in new[] { "x", "y", "x", "y", "x" })
        {
            await first.Counter(id).IncrementAsync();
        }

        Assert.Equal(["activated:x"], probeA.Events);
        Assert.Equal(["activated:y"], probeB.Events);
        Assert.Equal(3, await second.Counter("y").IncrementAsync());
    }

    [Fact]
    public async Task A_stopped_replica_hands_its_actors_to_the_live_one()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var first = await rig.AddSidecarAsync("counter");
        var second = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(first, new ActorProbe());
        var probeB = new ActorProbe();
        await rig.StartAppAsync(second, probeB);
        await first.Counter("x").IncrementAsync();

        await first.Sidecar.StopAsync();

        Assert.Equal(2, await second.Counter("x").IncrementAsync());
        Assert.Contains("activated:x", probeB.Events);
    }

    [Fact]
    public async Task Reentrancy_lets_an_actor_call_itself_when_enabled()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe(), options => options.ReentrancyConfig = new ActorReentrancyConfig { Enabled = true });

        Assert.Equal(1, await sidecar.Counter("self").CallSelfAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_call_with_the_running_chains_reentrancy_id_enters_only_when_reentrancy_is_enabled(bool enabled)
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe, options => options.ReentrancyConfig = new ActorReentrancyConfig { Enabled = enabled });
        using var client = sidecar.CreateClient();

        var blocked = client.SendAsync(ActorCall("BlockAsync", "chain-1"), Ct);
        await probe.WaitForAsync(e => e.Contains("block:start"), "the blocking call to start");
        var ping = client.SendAsync(ActorCall("PingAsync", "chain-1"), Ct);

        if (enabled)
        {
            (await ping).Dispose();
            Assert.DoesNotContain("block:end", probe.Events);
        }
        else
        {
            // Nothing can let the ping in while the block holds the turn, so this wait cannot pass by luck.
            await Task.Delay(300, Ct);
            Assert.False(ping.IsCompleted);
        }

        probe.BlockGate.SetResult();
        (await blocked).Dispose();
        (await ping).Dispose();
        var order = probe.Events.Where(e => e is "ping" or "block:end").ToList();
        Assert.Equal(enabled ? ["ping", "block:end"] : ["block:end", "ping"], order);
    }

    [Fact]
    public async Task A_reentrant_chain_deeper_than_max_stack_depth_fails_with_ERR_ACTOR_STACK_DEPTH()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe, options => options.ReentrancyConfig = new ActorReentrancyConfig { Enabled = true, MaxStackDepth = 1 });
        using var client = sidecar.CreateClient();

        var blocked = client.SendAsync(ActorCall("BlockAsync", "chain-1"), Ct);
        await probe.WaitForAsync(e => e.Contains("block:start"), "the blocking call to start");
        using var nested = await client.SendAsync(ActorCall("PingAsync", "chain-1"), Ct);

        await AssertDaprError(nested, HttpStatusCode.InternalServerError, "ERR_ACTOR_STACK_DEPTH", "maximum stack depth exceeded");
        probe.BlockGate.SetResult();
        (await blocked).Dispose();
    }

    [Fact]
    public async Task Reserved_workflow_actor_types_are_refused()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        using var client = sidecar.CreateClient();

        using var response = await client.GetAsync("v1.0/actors/dapr.internal.default.counter.workflow/x/state/k", Ct);

        await AssertDaprError(response, HttpStatusCode.Forbidden, "ERR_ACTOR_TYPE_RESERVED");
    }

    private static HttpRequestMessage ActorCall(string method, string reentrancyId)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"v1.0/actors/CounterActor/gate/method/{method}")
        {
            Content = new StringContent(string.Empty, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Dapr-Reentrancy-Id", reentrancyId);
        return request;
    }

    internal static async Task<string> AssertDaprError(HttpResponseMessage response, HttpStatusCode status, string errorCode, string? message = null)
    {
        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(errorCode, body.RootElement.GetProperty("errorCode").GetString());
        var actual = body.RootElement.GetProperty("message").GetString()!;
        if (message is not null)
        {
            Assert.Equal(message, actual);
        }

        return actual;
    }
}

/// <summary>An app double answering <c>/dapr/config</c> (null = 404) and recording every other call.</summary>
internal sealed class FixedActorApp(string? config) : HttpMessageHandler
{
    public System.Collections.Concurrent.ConcurrentQueue<RecordedActorCall> Requests { get; } = new();

    public System.Threading.Channels.Channel<RecordedActorCall> Calls { get; } = System.Threading.Channels.Channel.CreateUnbounded<RecordedActorCall>();

    public Func<HttpResponseMessage> Next { get; set; } = () => new HttpResponseMessage(HttpStatusCode.OK);

    /// <summary>Runs inside an actor call before it is answered (e.g. an actor registering a reminder).</summary>
    public Func<RecordedActorCall, Task>? BeforeAnswer { get; set; }

    public async Task<RecordedActorCall> NextCallAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await Calls.Reader.ReadAsync(timeout.Token);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var call = new RecordedActorCall(request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query, body);
        Requests.Enqueue(call);
        if (call.Path == "/dapr/config")
        {
            return config is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(config, Encoding.UTF8, "application/json") };
        }

        if (call.Path.StartsWith("/actors/", StringComparison.Ordinal))
        {
            if (BeforeAnswer is { } before)
            {
                await before(call);
            }

            await Calls.Writer.WriteAsync(call, cancellationToken);
            return Next();
        }

        // Readiness probes and other discovery calls (e.g. /dapr/subscribe) find nothing here.
        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }
}

internal sealed record RecordedActorCall(string Method, string Path, string Query, string Body);
