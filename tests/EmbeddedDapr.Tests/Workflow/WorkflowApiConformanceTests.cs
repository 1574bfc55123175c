using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapr.Workflow;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Flipkart.Testing;
using Grpc.Core;
using Proto = Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>The workflow HTTP API, GetMetadata's workflow fields, the engine's limits and its failure modes.</summary>
public class WorkflowApiConformanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<WorkflowHarness> StartAsync(string target, TestWorkflows.Probe? probe = null, string extraResources = "", bool actorStateStore = true) =>
        WorkflowHarness.StartAsync(target, TestWorkflows.Register(probe ?? new TestWorkflows.Probe()), extraResources, actorStateStore);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();

    private static async Task<JsonObject> WaitForStatusAsync(HttpClient http, string id, string status)
    {
        JsonObject? body = null;
        await Eventually.TrueAsync(() =>
        {
            using var response = http.GetAsync($"/v1.0/workflows/dapr/{id}", Ct).GetAwaiter().GetResult();
            body = response.IsSuccessStatusCode ? ReadJsonAsync(response).GetAwaiter().GetResult() : null;
            return body?["runtimeStatus"]?.ToString() == status;
        }, $"{id} is {status}");
        return body!;
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_HTTP_API_starts_a_workflow_with_the_body_as_input_and_reports_it_with_daprds_fields(string target)
    {
        await using var harness = await StartAsync(target);
        var id = Sut.Key("http");

        using var started = await harness.Sut.Http.PostAsync($"/v1.0/workflows/dapr/Greeting/start?instanceID={id}", Json("\"Asha\""), Ct);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(id, (await ReadJsonAsync(started))["instanceID"]!.ToString());
        var body = await WaitForStatusAsync(harness.Sut.Http, id, "COMPLETED");
        Assert.Equal(id, body["instanceID"]!.ToString());
        Assert.Equal("Greeting", body["workflowName"]!.ToString());
        Assert.NotNull(body["createdAt"]);
        Assert.NotNull(body["lastUpdatedAt"]);
        Assert.Equal("\"Asha\"", body["properties"]!["dapr.workflow.input"]!.ToString());
        Assert.Equal("\"Hello, Asha! Hello, Asha again!\"", body["properties"]!["dapr.workflow.output"]!.ToString());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_event_raised_over_HTTP_reaches_the_waiting_workflow(string target)
    {
        await using var harness = await StartAsync(target);
        var id = Sut.Key("approval");
        await harness.Client.ScheduleNewWorkflowAsync("Approval", id, "order-9");

        using var raised = await harness.Sut.Http.PostAsync($"/v1.0/workflows/dapr/{id}/raiseEvent/decision", Json("\"approved\""), Ct);

        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        Assert.Equal("decided: approved", state.ReadOutputAs<string>());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Pause_resume_terminate_and_purge_over_HTTP_answer_202_and_take_effect(string target)
    {
        await using var harness = await StartAsync(target);
        var http = harness.Sut.Http;
        var id = Sut.Key("approval");
        await harness.Client.ScheduleNewWorkflowAsync("Approval", id, "order-10");

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/v1.0/workflows/dapr/{id}/pause", null, Ct)).StatusCode);
        await WaitForStatusAsync(http, id, "SUSPENDED");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/v1.0-beta1/workflows/dapr/{id}/resume", null, Ct)).StatusCode);
        await WaitForStatusAsync(http, id, "RUNNING");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/v1.0/workflows/dapr/{id}/terminate", null, Ct)).StatusCode);
        await WaitForStatusAsync(http, id, "TERMINATED");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/v1.0/workflows/dapr/{id}/purge", null, Ct)).StatusCode);

        using var gone = await http.GetAsync($"/v1.0/workflows/dapr/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task HTTP_errors_carry_daprds_codes_and_messages(string target)
    {
        await using var harness = await StartAsync(target);
        var http = harness.Sut.Http;
        var id = Sut.Key("nobody");

        using var missing = await http.GetAsync($"/v1.0/workflows/dapr/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var body = await ReadJsonAsync(missing);
        Assert.Equal("ERR_INSTANCE_ID_NOT_FOUND", body["errorCode"]!.ToString());
        Assert.Equal($"unable to find workflow with the provided instance ID: {id}", body["message"]!.ToString());

        using var invalid = await http.PostAsync("/v1.0/workflows/dapr/Greeting/start?instanceID=bad%20id!", Json("1"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("ERR_INSTANCE_ID_INVALID", (await ReadJsonAsync(invalid))["errorCode"]!.ToString());

        using var tooLong = await http.PostAsync($"/v1.0/workflows/dapr/Greeting/start?instanceID={new string('a', 65)}", Json("1"), Ct);
        Assert.Equal("ERR_INSTANCE_ID_TOO_LONG", (await ReadJsonAsync(tooLong))["errorCode"]!.ToString());

        using var raise = await http.PostAsync($"/v1.0/workflows/dapr/{id}/raiseEvent/decision", Json("1"), Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, raise.StatusCode);
        Assert.Equal(
            $"error raising event on workflow '{id}': failed to raise event decision on workflow {id}: failed to raise event: no such instance exists",
            (await ReadJsonAsync(raise))["message"]!.ToString());

        using var terminate = await http.PostAsync($"/v1.0/workflows/dapr/{id}/terminate", null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, terminate.StatusCode);
        Assert.Equal("ERR_INSTANCE_ID_NOT_FOUND", (await ReadJsonAsync(terminate))["errorCode"]!.ToString());

        var running = Sut.Key("sleep");
        await harness.Client.ScheduleNewWorkflowAsync("Sleep", running, 60);
        using var purge = await http.PostAsync($"/v1.0/workflows/dapr/{running}/purge", null, Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, purge.StatusCode);
        var purgeBody = await ReadJsonAsync(purge);
        Assert.Equal("ERR_PURGE_WORKFLOW", purgeBody["errorCode"]!.ToString());
        Assert.Equal(
            $"error purging workflow {running}: failed to Purge workflow {running}: failed to purge workflow state: orchestration has not yet completed",
            purgeBody["message"]!.ToString());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task GetMetadata_counts_the_connected_workflow_workers(string target)
    {
        await using var harness = await StartAsync(target);

        var metadata = await harness.Sut.Grpc.GetMetadataAsync(new Proto.GetMetadataRequest(), harness.Sut.Call);
        Assert.Equal(1, metadata.Workflows.ConnectedWorkers);
        var json = JsonNode.Parse(await harness.Sut.Http.GetStringAsync("/v1.0/metadata", Ct))!;
        Assert.Equal(1, json["workflows"]!["connectedWorkers"]!.GetValue<int>());

        await harness.StopAppAsync();

        metadata = await harness.Sut.Grpc.GetMetadataAsync(new Proto.GetMetadataRequest(), harness.Sut.Call);
        Assert.Equal(0, metadata.Workflows.ConnectedWorkers);
        json = JsonNode.Parse(await harness.Sut.Http.GetStringAsync("/v1.0/metadata", Ct))!;
        Assert.Null(json["workflows"]);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Without_an_actor_state_store_starting_a_workflow_fails_like_daprd(string target)
    {
        await using var harness = await StartAsync(target, actorStateStore: false);

        var error = await Assert.ThrowsAsync<RpcException>(() => harness.Client.ScheduleNewWorkflowAsync("Greeting", Sut.Key("x"), "nobody"));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("the state store is not configured to use the actor runtime", error.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task MaxConcurrentActivityInvocations_from_the_Configuration_bounds_activities_in_flight(string target)
    {
        var probe = new TestWorkflows.Probe();
        const string configuration = """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: workflowlimits
            spec:
              workflow:
                maxConcurrentActivityInvocations: 2
            """;
        await using var harness = await StartAsync(target, probe, configuration);
        var ids = Enumerable.Range(0, 6).Select(i => Sut.Key($"held-{i}")).ToArray();

        await Task.WhenAll(ids.Select(id => harness.Client.ScheduleNewWorkflowAsync("Holding", id, id)));
        await Eventually.TrueAsync(() => probe.Running == 2, "two activities run");
        await Task.Delay(200, Ct); // give a third one the chance to start if the limit were not enforced
        Assert.Equal(2, probe.Running);

        probe.Gate.SetResult();
        await Task.WhenAll(ids.Select(id => harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct)));
        Assert.Equal(2, probe.MaxRunning);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_activity_can_call_another_app_through_service_invocation(string target)
    {
        HttpClient? sidecar = null;
        await using var shipping = await TestApp.StartAsync("shipping");
        await using var harness = await WorkflowHarness.StartAsync(target, options =>
        {
            options.RegisterActivity<string, string>("BookCourier", async (ctx, parcel) =>
            {
                using var response = await sidecar!.PostAsync("/v1.0/invoke/shipping/method/echo/book", new StringContent(parcel));
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            });
            options.RegisterWorkflow<string, string>("Ship", (ctx, parcel) => ctx.CallActivityAsync<string>("BookCourier", parcel));
        });
        sidecar = harness.Sut.Http;
        await harness.Sut.StartPeerAsync("shipping", shipping.Url);
        var id = Sut.Key("ship");

        await harness.Client.ScheduleNewWorkflowAsync("Ship", id, "parcel-7");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal("parcel-7", state.ReadOutputAs<string>());
        Assert.Contains(shipping.Requests, r => r.PathAndQuery == "/echo/book" && r.Headers["dapr-caller-app-id"] == WorkflowHarness.AppId);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task The_Dapr_services_workflow_RPCs_start_and_read_an_instance_and_read_an_unknown_one_as_empty(string target)
    {
        await using var harness = await StartAsync(target);
        var id = Sut.Key("grpc");

        var started = await harness.Sut.Grpc.StartWorkflowBeta1Async(new Proto.StartWorkflowRequest
        {
            InstanceId = id,
            WorkflowComponent = "dapr",
            WorkflowName = "Greeting",
            Input = Google.Protobuf.ByteString.CopyFromUtf8("\"Dev\""),
        }, harness.Sut.Call);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        var read = await harness.Sut.Grpc.GetWorkflowBeta1Async(new Proto.GetWorkflowRequest { InstanceId = id, WorkflowComponent = "dapr" }, harness.Sut.Call);
        var unknown = await harness.Sut.Grpc.GetWorkflowBeta1Async(new Proto.GetWorkflowRequest { InstanceId = Sut.Key("nobody"), WorkflowComponent = "dapr" }, harness.Sut.Call);
        var noName = await Assert.ThrowsAsync<RpcException>(() => harness.Sut.Grpc.StartWorkflowBeta1Async(
            new Proto.StartWorkflowRequest { InstanceId = Sut.Key("x"), WorkflowComponent = "dapr" }, harness.Sut.Call).ResponseAsync);

        Assert.Equal(id, started.InstanceId);
        Assert.Equal("Hello, Dev! Hello, Dev again!", state.ReadOutputAs<string>());
        Assert.Equal("COMPLETED", read.RuntimeStatus);
        Assert.Equal("Greeting", read.WorkflowName);
        Assert.Empty(unknown.Properties);
        Assert.Equal("", unknown.RuntimeStatus);
        Assert.Equal(StatusCode.InvalidArgument, noName.StatusCode);
        Assert.Equal("workflow name is not configured", noName.Status.Detail);
    }
}
