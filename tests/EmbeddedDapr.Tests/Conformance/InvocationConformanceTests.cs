using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr.Client;
using Proto = Dapr.Client.Autogen.Grpc.v1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public class InvocationConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private static async Task<(Sut Sut, TestApp App)> StartWithCalleeAsync(string target, string? appToken = null)
    {
        var app = await TestApp.StartAsync("callee");
        // The caller and the callee are the same sidecar here (self-invocation also goes through the app channel),
        // so the suite also runs against a single daprd.
        var sut = await Sut.StartAsync(target, new SutSpec { AppId = "callee", AppUrl = app.Url, AppApiToken = appToken });
        return (sut, app);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Invocation_passes_method_query_and_body_through_to_the_app(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var response = await sut.Http.PostAsync("/v1.0/invoke/callee/method/echo/items?page=2",
            new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"a\":1}", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("callee", response.Headers.GetValues("x-app").Single());
        var received = app.Last("/echo/items");
        Assert.Equal("POST", received.Method);
        Assert.Equal("/echo/items?page=2", received.PathAndQuery);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_callee_status_and_headers_are_passed_through_unchanged(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var response = await sut.Http.GetAsync("/v1.0/invoke/callee/method/status/404", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404", response.Headers.GetValues("x-app-status").Single());
        Assert.Equal("status 404 from callee", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task DaprClient_InvokeMethodAsync_reaches_the_app_and_throws_for_app_errors(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;

        // Obsolete in SDK 1.19 but still shipped and used by apps, so the sidecar must keep serving it.
#pragma warning disable CS0618
        var echoed = await sut.Dapr.InvokeMethodAsync<JsonObject, JsonObject>("callee", "echo/json", new JsonObject { ["n"] = 5 }, Ct);
        var ex = await Assert.ThrowsAsync<InvocationException>(() => sut.Dapr.InvokeMethodAsync(HttpMethod.Get, "callee", "status/500", Ct));
#pragma warning restore CS0618

        Assert.Equal(5, (int)echoed["n"]!);
        Assert.Equal(HttpStatusCode.InternalServerError, ex.Response!.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_app_receives_caller_and_callee_ids_but_not_dapr_app_id_or_the_api_token(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/invoke/callee/method/echo/headers");
        request.Headers.Add("dapr-caller-app-id", "spoofed");
        request.Headers.Add("x-custom", "kept");

        await sut.Http.SendAsync(request, Ct);

        var headers = app.Last("/echo/headers").Headers;
        Assert.Equal("callee", headers["dapr-caller-app-id"]);
        Assert.Equal("callee", headers["dapr-callee-app-id"]);
        Assert.Equal("kept", headers["x-custom"]);
        Assert.False(headers.ContainsKey("dapr-app-id"));
        Assert.False(headers.ContainsKey("dapr-api-token"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_app_receives_a_child_span_of_the_callers_trace(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/invoke/callee/method/echo/trace");
        request.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");

        await sut.Http.SendAsync(request, Ct);

        var parts = app.Last("/echo/trace").Headers["traceparent"].Split('-');
        Assert.Equal(traceId, parts[1]);
        Assert.NotEqual("b7ad6b7169203331", parts[2]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Header_mode_with_dapr_app_id_invokes_the_app_on_any_path(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("dapr-app-id", "callee");

        var response = await sut.Http.SendAsync(request, Ct);

        Assert.Equal("callee", await response.Content.ReadAsStringAsync(Ct));
        Assert.False(app.Last("/whoami").Headers.ContainsKey("dapr-app-id"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_app_api_token_is_sent_to_the_app(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target, appToken: "app-secret");
        await using var _ = sut;
        await using var __ = app;

        await sut.Http.GetAsync("/v1.0/invoke/callee/method/whoami", Ct);

        Assert.Equal("app-secret", app.Last("/whoami").Headers["dapr-api-token"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unknown_app_id_is_500_ERR_DIRECT_INVOKE(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "daprd's mDNS lookup of an unknown id takes seconds" });

        var response = await sut.Http.GetAsync("/v1.0/invoke/nobody/method/anything", Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", (string?)body!["errorCode"]);
        Assert.StartsWith("failed to invoke, id: nobody, err: ", (string?)body["message"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Calls_round_robin_across_the_replicas_of_an_app_id(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "needs several replicas of one app-id" });
        await using var first = await TestApp.StartAsync("replica-1");
        await using var second = await TestApp.StartAsync("replica-2");
        await sut.StartPeerAsync("catalog", first.Url);
        await sut.StartPeerAsync("catalog", second.Url);

        var answers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await sut.Http.GetStringAsync("/v1.0/invoke/catalog/method/whoami", Ct));
        }

        Assert.Equal(2, answers.Count(a => a == "replica-1"));
        Assert.Equal(2, answers.Count(a => a == "replica-2"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_stopped_replica_no_longer_receives_calls_and_a_down_app_is_ERR_DIRECT_INVOKE(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "needs several replicas of one app-id" });
        await using var alive = await TestApp.StartAsync("alive");
        var down = await TestApp.StartAsync("down");
        var replicaA = await sut.StartPeerAsync("catalog", alive.Url);
        var replicaB = await sut.StartPeerAsync("catalog", down.Url);
        await replicaB.StopAsync();
        await down.DisposeAsync();

        Assert.Equal("alive", await sut.Http.GetStringAsync("/v1.0/invoke/catalog/method/whoami", Ct));
        Assert.Equal("alive", await sut.Http.GetStringAsync("/v1.0/invoke/catalog/method/whoami", Ct));

        await replicaB.RestartAsync(Ct);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            statuses.Add((await sut.Http.GetAsync("/v1.0/invoke/catalog/method/whoami", Ct)).StatusCode);
        }
        Assert.Contains(HttpStatusCode.InternalServerError, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        _ = replicaA;
    }

    // A retry policy whose matching lists only 503: daprd's HTTP API hands a transport error to the policy as a plain
    // error (not a status-code error), so matching does not filter it (pkg/api/http/directmessaging.go).
    private const string RetryOnly503 = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: invoke-retries
        spec:
          policies:
            retries:
              transient:
                policy: constant
                duration: 10ms
                maxRetries: 2
                matching:
                  httpStatusCodes: "503"
          targets:
            apps:
              callee: { retry: transient }
        """;

    private const string LostReplyReason = "losing a reply after the callee ran needs the emulator's fault injection";

    /// <summary>Runs the call while moving the fake cluster clock, on which resiliency and built-in retries wait.</summary>
    private static async Task<HttpResponseMessage> CallAdvancingClockAsync(Sut sut, string path, string body)
    {
        var call = sut.Http.PostAsync(path, new StringContent(body), Ct);
        while (!call.IsCompleted)
        {
            sut.Clock!.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, Ct);
        }
        return await call;
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_lost_reply_is_retried_by_the_callers_policy_whatever_its_matching_so_the_callee_runs_twice(string target)
    {
        await using var app = await TestApp.StartAsync("callee");
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            AppId = "callee", AppUrl = app.Url, Resources = [.. ConformanceResources.Default, RetryOnly503], EmbeddedOnlyReason = LostReplyReason,
        });
        Faults.InvocationFaultsModule.Injector(sut.Cluster!).Set(new Faults.InvocationFaults { LoseReplies = 1, Target = "callee" });

        using var response = await CallAdvancingClockAsync(sut, "/v1.0/invoke/callee/method/echo/pay", "charge-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, app.Requests.Count(r => r.PathAndQuery == "/echo/pay"));
        Assert.All(app.Requests.Where(r => r.PathAndQuery == "/echo/pay"), r => Assert.Equal("charge-1", r.Body));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Without_a_policy_daprds_built_in_retries_repeat_a_call_whose_reply_was_lost_three_times(string target)
    {
        await using var app = await TestApp.StartAsync("callee");
        await using var sut = await Sut.StartAsync(target, new SutSpec { AppId = "callee", AppUrl = app.Url, EmbeddedOnlyReason = LostReplyReason });
        var faults = Faults.InvocationFaultsModule.Injector(sut.Cluster!);
        faults.Set(Faults.InvocationFaults.Parse("loseReplies=1,target=callee,method=echo/pay"));

        using var recovered = await CallAdvancingClockAsync(sut, "/v1.0/invoke/callee/method/echo/pay", "charge-1");
        faults.Set(Faults.InvocationFaults.Parse("loseReplies=10,target=callee,method=echo/refund"));
        using var lost = await CallAdvancingClockAsync(sut, "/v1.0/invoke/callee/method/echo/refund", "refund-1");

        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(2, app.Requests.Count(r => r.PathAndQuery == "/echo/pay"));
        Assert.Equal(HttpStatusCode.InternalServerError, lost.StatusCode);
        Assert.Contains("ERR_DIRECT_INVOKE", await lost.Content.ReadAsStringAsync(Ct));
        Assert.Equal(4, app.Requests.Count(r => r.PathAndQuery == "/echo/refund")); // 1 + 3 built-in retries, each one ran
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_in_process_app_can_be_attached_through_an_HttpMessageHandler(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { EmbeddedOnlyReason = "attaches a TestServer handler as the app channel" });
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var web = builder.Build();
        web.MapGet("/hello", () => "from test server");
        await web.StartAsync(Ct);
        var peer = await sut.StartPeerAsync("inproc");
        peer.AttachApp(() => web.GetTestServer().CreateHandler());
        await peer.WaitForAppReadyAsync(Ct);

        Assert.Equal("from test server", await sut.Http.GetStringAsync("/v1.0/invoke/inproc/method/hello", Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Grpc_InvokeService_to_an_http_app_without_http_extension_is_InvalidArgument(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var ex = await Errors.ThrowsRpc(() => sut.Grpc.InvokeServiceAsync(new Proto.InvokeServiceRequest
        {
            Id = "callee",
            Message = new Proto.InvokeRequest { Method = "whoami" },
        }, sut.Call).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Grpc_InvokeService_with_http_extension_reaches_the_app_and_maps_its_status(string target)
    {
        var (sut, app) = await StartWithCalleeAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var ok = await sut.Grpc.InvokeServiceAsync(new Proto.InvokeServiceRequest
        {
            Id = "callee",
            Message = new Proto.InvokeRequest
            {
                Method = "echo/grpc",
                ContentType = "application/json",
                Data = new Google.Protobuf.WellKnownTypes.Any { Value = Google.Protobuf.ByteString.CopyFromUtf8("{\"x\":1}") },
                HttpExtension = new Proto.HTTPExtension { Verb = Proto.HTTPExtension.Types.Verb.Post, Querystring = "q=1" },
            },
        }, sut.Call);
        var notFound = await Errors.ThrowsRpc(() => sut.Grpc.InvokeServiceAsync(new Proto.InvokeServiceRequest
        {
            Id = "callee",
            Message = new Proto.InvokeRequest { Method = "status/404", HttpExtension = new Proto.HTTPExtension { Verb = Proto.HTTPExtension.Types.Verb.Get } },
        }, sut.Call).ResponseAsync);

        Assert.Equal("{\"x\":1}", ok.Data.Value.ToStringUtf8());
        Assert.Equal("/echo/grpc?q=1", app.Last("/echo/grpc").PathAndQuery);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, notFound.StatusCode);
    }
}
