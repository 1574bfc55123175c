using System.Collections.Concurrent;
using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// The work-item queue between the engine and the app's workers (durabletask-go's <c>grpcExecutor</c>, v0.12.4
/// <c>backend/executor.go</c>): every connected <c>GetWorkItems</c> stream of the app-id takes items from one queue;
/// a dispatched item waits for its <c>Complete…Task</c> call; when the stream that took it goes away, the wait fails
/// ("operation aborted"), so the step is retried by its reminder and the work runs again — at least once, never
/// exactly once. A completion nobody waits for is ignored, as daprd ignores an unknown task.
/// </summary>
internal sealed class WorkItemHub
{
    private readonly Channel<QueuedItem> queue = Channel.CreateUnbounded<QueuedItem>();
    private readonly ConcurrentDictionary<string, Pending<WorkflowResponse>> workflows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending<ActivityResponse>> activities = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim? workflowSlots;
    private readonly SemaphoreSlim? activitySlots;
    private int connected;

    public WorkItemHub(int? maxConcurrentWorkflows, int? maxConcurrentActivities)
    {
        workflowSlots = maxConcurrentWorkflows is > 0 ? new SemaphoreSlim(maxConcurrentWorkflows.Value) : null;
        activitySlots = maxConcurrentActivities is > 0 ? new SemaphoreSlim(maxConcurrentActivities.Value) : null;
    }

    /// <summary>Raised when the first worker connects (reminders held while none was connected may fire).</summary>
    public event Action? WorkerConnected;

    public int ConnectedWorkers => Volatile.Read(ref connected);

    /// <summary>Sends one step to a worker and waits for its answer (throws when the worker went away first).</summary>
    public async Task<WorkflowResponse> ExecuteWorkflowAsync(WorkflowRequest request, CancellationToken cancellationToken)
    {
        if (workflowSlots is not null)
        {
            await workflowSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var pending = new Pending<WorkflowResponse>();
            workflows[request.InstanceId] = pending;
            try
            {
                await queue.Writer.WriteAsync(new QueuedItem(new WorkItem { WorkflowRequest = request }, pending), cancellationToken).ConfigureAwait(false);
                return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                workflows.TryRemove(KeyValuePair.Create(request.InstanceId, pending));
                pending.Cancelled = true;
            }
        }
        finally
        {
            workflowSlots?.Release();
        }
    }

    public async Task<ActivityResponse> ExecuteActivityAsync(ActivityRequest request, CancellationToken cancellationToken)
    {
        if (activitySlots is not null)
        {
            await activitySlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var key = ActivityKey(request.WorkflowInstance.InstanceId, request.TaskId);
            var pending = new Pending<ActivityResponse>();
            activities[key] = pending;
            try
            {
                await queue.Writer.WriteAsync(new QueuedItem(new WorkItem { ActivityRequest = request }, pending), cancellationToken).ConfigureAwait(false);
                return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                activities.TryRemove(KeyValuePair.Create(key, pending));
                pending.Cancelled = true;
            }
        }
        finally
        {
            activitySlots?.Release();
        }
    }

    public void CompleteWorkflow(WorkflowResponse response)
    {
        if (workflows.TryGetValue(response.InstanceId, out var pending))
        {
            pending.Completion.TrySetResult(response);
        }
    }

    public void CompleteActivity(ActivityResponse response)
    {
        if (activities.TryGetValue(ActivityKey(response.InstanceId, response.TaskId), out var pending))
        {
            pending.Completion.TrySetResult(response);
        }
    }

    /// <summary>
    /// Serves one <c>GetWorkItems</c> stream until it ends: items are written to it one at a time; whatever it took
    /// and has not completed is aborted when it goes away.
    /// </summary>
    public async Task ServeAsync(Func<WorkItem, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var taken = new List<IPending>();
        if (Interlocked.Increment(ref connected) == 1)
        {
            WorkerConnected?.Invoke();
        }
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var item = await queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (item.Pending.Cancelled)
                {
                    continue;
                }
                taken.RemoveAll(p => p.IsDone);
                taken.Add(item.Pending);
                await send(item.Item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref connected);
            foreach (var pending in taken)
            {
                pending.Abort();
            }
        }
    }

    private static string ActivityKey(string instanceId, int taskId) => instanceId + "/" + taskId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed record QueuedItem(WorkItem Item, IPending Pending);

    private interface IPending
    {
        bool Cancelled { get; }
        bool IsDone { get; }
        void Abort();
    }

    private sealed class Pending<T> : IPending
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Cancelled;

        bool IPending.Cancelled => Cancelled;

        public bool IsDone => Cancelled || Completion.Task.IsCompleted;

        public void Abort() => Completion.TrySetException(new WorkItemAbortedException());
    }
}

/// <summary>The worker stream that took the item ended before completing it (daprd: "operation aborted").</summary>
internal sealed class WorkItemAbortedException() : Exception("operation aborted");
