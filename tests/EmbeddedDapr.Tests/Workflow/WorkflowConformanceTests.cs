using System.Collections.Concurrent;
using Dapr.Workflow;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Flipkart.Testing;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>
/// Dapr Workflow through the official SDK (<see cref="DaprWorkflowClient"/> and a registered workflow whose worker
/// connects to the sidecar), over the embedded sidecar and daprd.
/// </summary>
public class WorkflowConformanceTests
{
    private static Action<WorkflowRuntimeOptions> Register(TestWorkflows.Probe probe) => TestWorkflows.Register(probe);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_workflow_runs_its_activities_in_order_and_completes_with_their_result(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("greeting");

        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "Asha");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("Hello, Asha! Hello, Asha again!", state.ReadOutputAs<string>());
        Assert.Equal(1, probe.Count($"greet:{id}:Asha"));
        Assert.Equal(1, probe.Count($"greet:{id}:Asha again"));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_durable_timer_holds_the_workflow_until_the_clock_reaches_its_fire_time(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("sleep");

        await harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 30);
        var timer = Assert.Single(harness.Timers(id));
        Assert.Equal(harness.Sut.Clock!.GetUtcNow() + TimeSpan.FromSeconds(30), timer.Due);
        harness.Sut.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(WorkflowRuntimeStatus.Running, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);
        Assert.Equal(0, probe.Count("record:" + id));

        harness.Sut.Clock.Advance(TimeSpan.FromSeconds(1));
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("woke after 30s", state.ReadOutputAs<string>());
        Assert.Equal(1, probe.Count("record:" + id));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_external_event_completes_a_waiting_workflow_and_cancels_its_timeout_timer(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("approval");
        await harness.Client.ScheduleNewWorkflowAsync("Approval", id, "order-1");
        Assert.Single(harness.Timers(id));

        await harness.Client.RaiseEventAsync(id, "decision", "approved", Ct);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal("decided: approved", state.ReadOutputAs<string>());
        await Eventually.TrueAsync(() => harness.Timers(id).Count == 0, "the timeout timer is deleted");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_external_event_that_never_comes_times_out_on_the_durable_timer(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("approval");
        await harness.Client.ScheduleNewWorkflowAsync("Approval", id, "order-2");

        harness.Sut.Clock!.Advance(TimeSpan.FromDays(3));
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("timed out", state.ReadOutputAs<string>());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_failing_activity_is_retried_on_durable_timers_by_its_retry_policy_until_it_succeeds(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("retrying");
        await harness.Client.ScheduleNewWorkflowAsync("Retrying", id, id);

        // Two failures, each followed by the SDK's retry timer (2 s) on the sidecar's clock.
        await harness.FireNextTimerAsync(id);
        await Eventually.TrueAsync(() => probe.Count("flaky:" + id) == 2, "the second attempt ran");
        await harness.FireNextTimerAsync(id);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("succeeded on attempt 3", state.ReadOutputAs<string>());
        Assert.Equal(3, probe.Count("flaky:" + id));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_terminated_workflow_stops_at_once_and_its_timer_never_fires(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("sleep");
        await harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 60);

        await harness.Client.TerminateWorkflowAsync(id, "cancelled by support", Ct);
        var state = await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Terminated, state.RuntimeStatus);
        // The .NET SDK answers a termination with a bare CompleteWorkflow(Terminated), so the engine records no
        // output: the reason given to TerminateWorkflowAsync is lost, with daprd as here.
        Assert.Null(state.ReadOutputAs<string>());
        // Like daprd, the engine saves the terminal state first and deletes the instance's reminders right after.
        await Eventually.TrueAsync(() => harness.Timers(id).Count == 0, "the terminated instance's timer is deleted");
        harness.Sut.Clock!.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);
        Assert.Equal(0, probe.Count("record:" + id));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Purge_removes_a_completed_workflow_and_every_key_it_kept_in_the_actor_state_store(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("greeting");
        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "Ravi");
        await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        var store = harness.Sut.Cluster!.StateStores["statestore"].Backend;
        var prefix = $"{WorkflowHarness.AppId}||dapr.internal.default.{WorkflowHarness.AppId}.workflow||{id}||";
        Assert.Contains(prefix + "metadata", store.Keys);
        Assert.Contains(prefix + "history-000000", store.Keys);

        Assert.True(await harness.Client.PurgeInstanceAsync(id, Ct));

        Assert.DoesNotContain(store.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
        var state = await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct);
        Assert.False(state.Exists);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Purging_a_running_workflow_fails_and_keeps_it(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("sleep");
        await harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 60);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => harness.Client.PurgeInstanceAsync(id, Ct));

        Assert.Equal(Grpc.Core.StatusCode.Unknown, error.StatusCode);
        Assert.Equal("failed to purge workflow state: orchestration has not yet completed", error.Status.Detail);
        Assert.Equal(WorkflowRuntimeStatus.Running, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_workflow_resumes_from_its_history_when_the_app_and_the_sidecar_restart_mid_timer(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("sleep");
        await harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 120);
        Assert.Single(harness.Timers(id));

        await harness.StopAppAsync();
        await harness.Sut.Sidecar!.RestartAsync(Ct);
        harness.Sut.Clock!.Advance(TimeSpan.FromSeconds(120));   // due while no worker is connected: held
        Assert.Single(harness.Timers(id));
        await harness.StartAppAsync();
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("woke after 120s", state.ReadOutputAs<string>());
        Assert.Equal(1, probe.Count("record:" + id));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_hundred_concurrent_instances_each_complete_exactly_once(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var ids = Enumerable.Range(0, 100).Select(i => Sut.Key($"bulk-{i:D3}")).ToArray();

        await Task.WhenAll(ids.Select(id => harness.Client.ScheduleNewWorkflowAsync("Greeting", id, id)));
        var states = await Task.WhenAll(ids.Select(id => harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct)));

        Assert.All(states.Zip(ids), pair =>
        {
            Assert.Equal(WorkflowRuntimeStatus.Completed, pair.First.RuntimeStatus);
            Assert.Equal($"Hello, {pair.Second}! Hello, {pair.Second} again!", pair.First.ReadOutputAs<string>());
        });
        Assert.All(ids, id =>
        {
            Assert.Equal(1, probe.Count($"greet:{id}:{id}"));
            Assert.Equal(1, probe.Count($"greet:{id}:{id} again"));
        });
        foreach (var id in ids)
        {
            var history = await harness.Client.GetInstanceHistoryAsync(id, Ct);
            Assert.Single(history, e => e.EventType == Dapr.Workflow.Client.WorkflowHistoryEventType.ExecutionCompleted);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_child_workflow_returns_its_result_to_the_parent_and_a_failing_child_fails_the_call(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("parent");

        await harness.Client.ScheduleNewWorkflowAsync("Parent", id, "Meera");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal("Hello, Meera! Hello, Meera again! / child failed: no stock for Meera", state.ReadOutputAs<string>());
        var child = await harness.Client.GetWorkflowStateAsync($"{id}-child", cancellation: Ct);
        Assert.Equal(WorkflowRuntimeStatus.Completed, child.RuntimeStatus);
        var failing = await harness.Client.GetWorkflowStateAsync($"{id}-failing", cancellation: Ct);
        Assert.Equal(WorkflowRuntimeStatus.Failed, failing.RuntimeStatus);
        Assert.Equal("no stock for Meera", failing.FailureDetails!.ErrorMessage);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Continue_as_new_restarts_the_workflow_with_fresh_history_until_it_completes(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("countdown");

        await harness.Client.ScheduleNewWorkflowAsync("Countdown", id, 3);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(0, state.ReadOutputAs<int>());
        Assert.Equal(0, state.ReadInputAs<int>());
        Assert.Equal(3, probe.Count("record:" + id));
        var history = await harness.Client.GetInstanceHistoryAsync(id, Ct);
        Assert.DoesNotContain(history, e => e.EventType == Dapr.Workflow.Client.WorkflowHistoryEventType.TaskScheduled);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_suspended_workflow_reports_suspended_until_it_is_resumed(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("approval");
        await harness.Client.ScheduleNewWorkflowAsync("Approval", id, "order-3");

        await harness.Client.SuspendWorkflowAsync(id, "investigating", Ct);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);
        await harness.Client.ResumeWorkflowAsync(id, "all clear", Ct);
        Assert.Equal(WorkflowRuntimeStatus.Running, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);

        await harness.Client.RaiseEventAsync(id, "decision", "approved", Ct);
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        Assert.Equal("decided: approved", state.ReadOutputAs<string>());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_workflow_that_throws_fails_with_the_exception_as_failure_details(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("failing");

        await harness.Client.ScheduleNewWorkflowAsync("Failing", id, "Kiran");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal("System.InvalidOperationException", state.FailureDetails!.ErrorType);
        Assert.Equal("no stock for Kiran", state.FailureDetails.ErrorMessage);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Starting_an_instance_id_that_is_still_running_fails_with_AlreadyExists(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("sleep");
        await harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 60);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => harness.Client.ScheduleNewWorkflowAsync("Sleep", id, 5));

        Assert.Equal(Grpc.Core.StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains($"an active workflow with ID '{id}' already exists", error.Status.Detail);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_completed_instance_id_can_be_started_again_as_a_new_generation(string target)
    {
        var probe = new TestWorkflows.Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("greeting");
        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "one");
        await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "two");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal("Hello, two! Hello, two again!", state.ReadOutputAs<string>());
        Assert.Single(await harness.Client.GetInstanceHistoryAsync(id, Ct), e => e.EventType == Dapr.Workflow.Client.WorkflowHistoryEventType.ExecutionStarted);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_workflow_scheduled_for_later_stays_pending_until_its_start_time(string target)
    {
        await using var harness = await WorkflowHarness.StartAsync(target, Register(new TestWorkflows.Probe()));
        var id = Sut.Key("greeting");
        var startAt = harness.Sut.Clock!.GetUtcNow().AddHours(2);

        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "later", startAt, Ct);
        Assert.Equal(WorkflowRuntimeStatus.Pending, (await harness.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus);

        harness.Sut.Clock.Advance(TimeSpan.FromHours(2));
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
    }
}
