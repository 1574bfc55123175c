using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Flipkart.EmbeddedDapr.Workflow;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>The queue between the engine and the workers: limits, aborts when a worker goes away, stray completions.</summary>
public class WorkItemHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (Task Serving, ChannelReader<WorkItem> Items, CancellationTokenSource Stop) Connect(WorkItemHub hub)
    {
        var items = Channel.CreateUnbounded<WorkItem>();
        var stop = new CancellationTokenSource();
        var serving = hub.ServeAsync((item, ct) => items.Writer.WriteAsync(item, ct).AsTask(), stop.Token);
        return (serving, items.Reader, stop);
    }

    private static WorkflowRequest Step(string id) => new() { InstanceId = id };

    [Fact]
    public async Task MaxConcurrentWorkflowInvocations_holds_further_steps_until_one_completes()
    {
        var hub = new WorkItemHub(maxConcurrentWorkflows: 1, maxConcurrentActivities: null);
        var (_, items, stop) = Connect(hub);

        var first = hub.ExecuteWorkflowAsync(Step("a"), Ct);
        var second = hub.ExecuteWorkflowAsync(Step("b"), Ct);
        Assert.Equal("a", (await items.ReadAsync(Ct)).WorkflowRequest.InstanceId);
        await Task.Delay(100, Ct); // the second step must not be handed out while the first is in flight
        Assert.False(items.TryRead(out _));

        hub.CompleteWorkflow(new WorkflowResponse { InstanceId = "a" });
        await first;
        Assert.Equal("b", (await items.ReadAsync(Ct)).WorkflowRequest.InstanceId);
        hub.CompleteWorkflow(new WorkflowResponse { InstanceId = "b" });
        await second;
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_step_taken_by_a_worker_that_goes_away_is_aborted_so_its_reminder_retries_it()
    {
        var hub = new WorkItemHub(null, null);
        var (serving, items, stop) = Connect(hub);

        var step = hub.ExecuteWorkflowAsync(Step("a"), Ct);
        await items.ReadAsync(Ct);
        await stop.CancelAsync();
        await serving;

        var error = await Assert.ThrowsAsync<WorkItemAbortedException>(() => step);
        Assert.Equal("operation aborted", error.Message);
        Assert.Equal(0, hub.ConnectedWorkers);
    }

    [Fact]
    public async Task Work_dispatched_while_no_worker_is_connected_waits_for_one()
    {
        var hub = new WorkItemHub(null, null);
        var activity = hub.ExecuteActivityAsync(new ActivityRequest { Name = "a", TaskId = 3, WorkflowInstance = new WorkflowInstance { InstanceId = "w" } }, Ct);

        var (_, items, stop) = Connect(hub);
        var item = await items.ReadAsync(Ct);
        hub.CompleteActivity(new ActivityResponse { InstanceId = "w", TaskId = 3, Result = "\"ok\"" });

        Assert.Equal("a", item.ActivityRequest.Name);
        Assert.Equal("\"ok\"", (await activity).Result);
        await stop.CancelAsync();
    }

    [Fact]
    public void A_completion_nobody_waits_for_is_ignored()
    {
        var hub = new WorkItemHub(null, null);

        hub.CompleteWorkflow(new WorkflowResponse { InstanceId = "unknown" });
        hub.CompleteActivity(new ActivityResponse { InstanceId = "unknown", TaskId = 1 });
    }
}
