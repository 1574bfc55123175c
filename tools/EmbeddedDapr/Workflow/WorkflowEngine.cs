using System.Collections.Concurrent;
using Dapr.DurableTask.Protobuf;
using Flipkart.EmbeddedDapr.Actors;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// daprd's workflow engine for one app-id (<c>pkg/runtime/wfengine</c>, <c>pkg/actors/targets/workflow</c> @ 1.18):
/// each instance is an internal actor <c>dapr.internal.&lt;namespace&gt;.&lt;appId&gt;.workflow</c> whose turns
/// (create, add event, run a step, purge) are serialized, whose state is in the actor state store, and whose steps run
/// from reminders: a step replays the whole history to a connected worker together with the inbox, applies the
/// actions the worker returns, schedules activities on <c>….activity</c> actors and timers as reminders, and saves.
/// Shared by every replica of the app-id, as placement makes one actor instance serve the whole app.
/// </summary>
internal sealed class WorkflowEngine
{
    private const int MaxContinueAsNewPerStep = 20;

    private readonly Func<IActorStateStore?> store;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly WorkflowOptions options;
    private readonly ConcurrentDictionary<string, TurnLock> locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<Watcher>> watchers = new(StringComparer.Ordinal);

    public WorkflowEngine(string appId, string @namespace, Func<IActorStateStore?> store, ActorScheduler scheduler, WorkflowOptions options, ILogger logger)
    {
        AppId = appId;
        this.store = store;
        this.options = options;
        this.logger = logger;
        time = scheduler.Time;
        WorkflowActorType = $"dapr.internal.{@namespace}.{appId}.workflow";
        ActivityActorType = $"dapr.internal.{@namespace}.{appId}.activity";
        Hub = new WorkItemHub(options.MaxConcurrentWorkflowInvocations, options.MaxConcurrentActivityInvocations);
        Reminders = new WorkflowReminders(scheduler, Hub, FireAsync, logger);
        Hub.WorkerConnected += Reminders.ReleaseHeld;
    }

    public string AppId { get; }
    public string WorkflowActorType { get; }
    public string ActivityActorType { get; }
    public WorkItemHub Hub { get; }
    public WorkflowReminders Reminders { get; }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(time.GetUtcNow());

    private WorkflowKeys Keys(string instanceId) => new(AppId, WorkflowActorType, instanceId);

    // ---------------------------------------------------------------- client operations (backend.Backend)

    /// <summary>Backend.CreateWorkflowInstance: the start event goes to the inbox and a <c>start-…</c> reminder runs it.</summary>
    public async Task CreateAsync(HistoryEvent startEvent, CancellationToken cancellationToken)
    {
        var instanceId = startEvent.ExecutionStarted.WorkflowInstance.InstanceId;
        var actorStore = await RouteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        using var turn = await LockAsync(WorkflowActorType, instanceId, cancellationToken).ConfigureAwait(false);
        var keys = Keys(instanceId);
        var state = await WorkflowStateStore.LoadAsync(actorStore, keys, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            state = new WorkflowInstanceState();
        }
        else
        {
            var existing = state.ToRuntimeState(instanceId);
            if (!existing.IsCompleted)
            {
                if (IsSameParentCreation(state, startEvent))
                {
                    return;
                }
                throw WorkflowErrors.AlreadyExists(instanceId);
            }
            logger.LogInformation("Workflow actor '{InstanceId}': workflow was previously completed and is being recreated", instanceId);
            state.Reset();
        }

        var start = (startEvent.ExecutionStarted.ScheduledStartTimestamp ?? startEvent.Timestamp).ToDateTimeOffset();
        Reminders.Create(new WorkflowReminder(WorkflowActorType, instanceId, RandomName("start"), start, null));
        state.AddToInbox(startEvent);
        await SaveAsync(actorStore, keys, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Backend.AddNewWorkflowEvent: the event goes to the inbox and a <c>new-event-…</c> reminder runs a step.</summary>
    public async Task AddEventAsync(string instanceId, HistoryEvent e, CancellationToken cancellationToken)
    {
        var actorStore = await RouteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        using var turn = await LockAsync(WorkflowActorType, instanceId, cancellationToken).ConfigureAwait(false);
        await AddEventLockedAsync(actorStore, instanceId, e, cancellationToken).ConfigureAwait(false);
    }

    private async Task AddEventLockedAsync(IActorStateStore actorStore, string instanceId, HistoryEvent e, CancellationToken cancellationToken)
    {
        var keys = Keys(instanceId);
        var state = await WorkflowStateStore.LoadAsync(actorStore, keys, cancellationToken).ConfigureAwait(false)
            ?? throw WorkflowErrors.InstanceNotFound();
        state.AddToInbox(e);
        await SaveAsync(actorStore, keys, state, cancellationToken).ConfigureAwait(false);
        // Due at the first history event's time (already past), so it fires at once.
        var due = state.History.Count > 0 ? state.History[0].Timestamp.ToDateTimeOffset() : e.Timestamp.ToDateTimeOffset();
        Reminders.Create(new WorkflowReminder(WorkflowActorType, instanceId, RandomName("new-event"), due, null));
    }

    /// <summary>Backend.GetWorkflowMetadata: read straight from the store (no actor turn), null when absent.</summary>
    public async Task<WorkflowMetadata?> GetMetadataAsync(string instanceId, CancellationToken cancellationToken)
    {
        var actorStore = RequireStore();
        var state = await WorkflowStateStore.LoadAsync(actorStore, Keys(instanceId), cancellationToken).ConfigureAwait(false);
        return state is null ? null : BuildMetadata(instanceId, state);
    }

    public async Task<IReadOnlyList<HistoryEvent>?> GetHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        var state = await WorkflowStateStore.LoadAsync(RequireStore(), Keys(instanceId), cancellationToken).ConfigureAwait(false);
        return state?.History;
    }

    /// <summary>
    /// Backend.WatchWorkflowRuntimeStatus: the current metadata, then every saved change, until
    /// <paramref name="condition"/> holds or the instance completed. An instance that does not exist yet is waited for.
    /// </summary>
    public async Task<WorkflowMetadata> WaitAsync(string instanceId, Func<WorkflowMetadata, bool> condition, CancellationToken cancellationToken)
    {
        var actorStore = await RouteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        Watcher watcher;
        using (await LockAsync(WorkflowActorType, instanceId, cancellationToken).ConfigureAwait(false))
        {
            var state = await WorkflowStateStore.LoadAsync(actorStore, Keys(instanceId), cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                var metadata = BuildMetadata(instanceId, state);
                if (condition(metadata) || IsTerminal(metadata.RuntimeStatus))
                {
                    return metadata;
                }
            }

            watcher = new Watcher(condition);
            var list = watchers.GetOrAdd(instanceId, _ => []);
            lock (list)
            {
                list.Add(watcher);
            }
        }

        try
        {
            return await watcher.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (watchers.TryGetValue(instanceId, out var list))
            {
                lock (list)
                {
                    list.Remove(watcher);
                }
            }
        }
    }

    /// <summary>
    /// durabletask-go's <c>purgeWorkflowState</c> (recursive): only a completed instance is purged, its children
    /// first; every key and every reminder of the instance and its activities goes.
    /// </summary>
    public async Task<int> PurgeAsync(string instanceId, bool recursive, CancellationToken cancellationToken)
    {
        var actorStore = RequireStore();
        var deleted = 0;
        if (recursive)
        {
            var state = await WorkflowStateStore.LoadAsync(actorStore, Keys(instanceId), cancellationToken).ConfigureAwait(false)
                ?? throw WorkflowErrors.FetchStateNotFound();
            var rs = state.ToRuntimeState(instanceId);
            if (rs.OldEvents.Count == 0)
            {
                throw WorkflowErrors.InstanceNotFound();
            }
            if (!rs.IsCompleted)
            {
                throw WorkflowErrors.NotCompleted();
            }
            foreach (var child in rs.OldEvents.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).Distinct())
            {
                try
                {
                    deleted += await PurgeAsync(child, recursive, cancellationToken).ConfigureAwait(false);
                }
                catch (WorkflowOperationException ex) when (ex.Kind == WorkflowFailure.InstanceNotFound)
                {
                    // Already purged out of band: recursive purge stays idempotent.
                }
            }
        }

        await RouteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        using (await LockAsync(WorkflowActorType, instanceId, cancellationToken).ConfigureAwait(false))
        {
            var keys = Keys(instanceId);
            var state = await WorkflowStateStore.LoadAsync(actorStore, keys, cancellationToken).ConfigureAwait(false)
                ?? throw WorkflowErrors.InstanceNotFound();
            if (!state.ToRuntimeState(instanceId).IsCompleted)
            {
                throw WorkflowErrors.NotCompleted();
            }
            await WorkflowStateStore.DeleteAsync(actorStore, keys, state, cancellationToken).ConfigureAwait(false);
            Reminders.DeleteByActor(WorkflowActorType, instanceId, idAsPrefix: false);
            Reminders.DeleteByActor(ActivityActorType, instanceId + "::", idAsPrefix: true);
        }

        return deleted + 1;
    }

    // ---------------------------------------------------------------- actor turns from reminders

    private Task FireAsync(WorkflowReminder reminder) =>
        reminder.ActorType == ActivityActorType ? RunActivityAsync(reminder) : RunWorkflowAsync(reminder);

    /// <summary>One workflow step (daprd's <c>runWorkflow</c>), under the instance's turn.</summary>
    private async Task RunWorkflowAsync(WorkflowReminder reminder)
    {
        var instanceId = reminder.ActorId;
        var actorStore = RequireStore();
        var ct = CancellationToken.None;
        using var turn = await LockAsync(WorkflowActorType, instanceId, ct).ConfigureAwait(false);
        var keys = Keys(instanceId);
        var state = await WorkflowStateStore.LoadAsync(actorStore, keys, ct).ConfigureAwait(false);
        if (state is null)
        {
            logger.LogWarning("No workflow state found for actor '{InstanceId}', terminating execution", instanceId);
            return;
        }

        var rs = state.ToRuntimeState(instanceId);
        if (reminder.Name.StartsWith("timer-", StringComparison.Ordinal) && !rs.IsCompleted)
        {
            var timer = (DurableTimer)reminder.Data!;
            if (timer.Generation < state.Generation)
            {
                logger.LogInformation("Workflow actor '{InstanceId}': ignoring durable timer from previous generation '{Generation}'", instanceId, timer.Generation);
                return;
            }
            var fired = timer.TimerEvent.Clone();
            fired.Timestamp = Now();
            state.Inbox.Add(fired);
        }
        else if (reminder.Name == "cascade-terminate" && !rs.IsCompleted)
        {
            var cascade = ((HistoryEvent)reminder.Data!).Clone();
            cascade.Timestamp = Now();
            state.Inbox.Add(cascade);
        }

        if (state.Inbox.Count == 0)
        {
            if (rs.IsCompleted)
            {
                TerminateChildren(state);
            }
            return;
        }

        var terminate = state.Inbox.FirstOrDefault(e => e.ExecutionTerminated is not null)?.ExecutionTerminated;
        if (!rs.IsCompleted)
        {
            await ExecuteStepAsync(rs, state, terminate, ct).ConfigureAwait(false);
        }

        if (rs.ContinuedAsNew)
        {
            state.Generation++;
        }

        if (!rs.IsCompleted)
        {
            DeleteCancelledEventTimers(rs);
            foreach (var timer in rs.PendingTimers)
            {
                Reminders.Create(new WorkflowReminder(
                    WorkflowActorType, instanceId, "timer-" + timer.TimerFired.TimerId,
                    timer.TimerFired.FireAt.ToDateTimeOffset(), new DurableTimer { TimerEvent = timer, Generation = state.Generation }));
            }
        }

        // Outbound messages first, then the save (as daprd: a failed save re-runs the step, and its dispatches).
        var creates = new List<(string Target, HistoryEvent Event)>();
        var completions = new List<(string Target, HistoryEvent Event)>();
        foreach (var message in rs.PendingMessages)
        {
            switch (message.Event.EventTypeCase)
            {
                case HistoryEvent.EventTypeOneofCase.ExecutionStarted: creates.Add(message); break;
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted:
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed: completions.Add(message); break;
                case HistoryEvent.EventTypeOneofCase.ExecutionTerminated when rs.IsCompleted: break;
                default:
                    // daprd 1.18 does not deliver SendEvent / TerminateWorkflow actions: the step fails and is retried.
                    throw new WorkflowNotSupportedException(
                        $"workflow actor '{instanceId}': don't know how to process outbound message '{message.Event.EventTypeCase}'");
            }
        }

        var activityDue = (state.History.Count > 0 ? state.History[0] : state.Inbox[0]).Timestamp.ToDateTimeOffset();
        foreach (var task in rs.PendingTasks)
        {
            Reminders.Create(new WorkflowReminder(
                ActivityActorType, $"{instanceId}::{task.EventId}::{state.Generation}", "run-activity", activityDue,
                new ActivityInvocation { HistoryEvent = task }));
        }
        foreach (var (target, start) in creates)
        {
            await CreateAsync(start, ct).ConfigureAwait(false);
        }
        foreach (var (target, completion) in completions)
        {
            try
            {
                await AddEventAsync(target, completion, ct).ConfigureAwait(false);
            }
            catch (WorkflowOperationException ex) when (ex.Kind == WorkflowFailure.InstanceNotFound)
            {
                logger.LogWarning("Workflow actor '{InstanceId}': parent '{Parent}' no longer exists; completion dropped", instanceId, target);
            }
        }

        state.ApplyStep(rs);
        state.ClearInbox();
        await SaveAsync(actorStore, keys, state, ct).ConfigureAwait(false);

        if (rs.IsCompleted)
        {
            logger.LogInformation("Workflow Actor '{InstanceId}': workflow completed with status '{Status}'", instanceId, rs.Status);
            TerminateChildren(state);
            Reminders.DeleteByActor(WorkflowActorType, instanceId, idAsPrefix: false);
            Reminders.DeleteByActor(ActivityActorType, instanceId + "::", idAsPrefix: true);
        }
    }

    /// <summary>durabletask-go's <c>ProcessWorkItem</c>: replay to the worker, apply its actions, loop on continue-as-new.</summary>
    private async Task ExecuteStepAsync(RuntimeState rs, WorkflowInstanceState state, ExecutionTerminatedEvent? terminate, CancellationToken ct)
    {
        rs.AddNew(new HistoryEvent { EventId = -1, Timestamp = Now(), WorkflowStarted = new WorkflowStartedEvent() });
        var scheduled = rs.OldEvents.Where(e => e.TaskScheduled is not null).Select(e => e.EventId).ToHashSet();
        var children = rs.OldEvents.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.EventId).ToHashSet();
        foreach (var e in state.Inbox)
        {
            // A resolution for nothing scheduled (a stale result of an earlier generation) is discarded, as daprd does.
            var matched = e.EventTypeCase switch
            {
                HistoryEvent.EventTypeOneofCase.TaskCompleted => scheduled.Contains(e.TaskCompleted.TaskScheduledId),
                HistoryEvent.EventTypeOneofCase.TaskFailed => scheduled.Contains(e.TaskFailed.TaskScheduledId),
                HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted => children.Contains(e.ChildWorkflowInstanceCompleted.TaskScheduledId),
                HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed => children.Contains(e.ChildWorkflowInstanceFailed.TaskScheduledId),
                _ => true,
            };
            if (!matched || !rs.AddNew(e))
            {
                logger.LogWarning("Workflow actor '{InstanceId}': dropping event {Event}", rs.InstanceId, e.EventTypeCase);
            }
        }

        for (var continued = 0; ; continued++)
        {
            var request = new WorkflowRequest { InstanceId = rs.InstanceId };
            request.PastEvents.AddRange(rs.OldEvents);
            request.NewEvents.AddRange(rs.NewEvents);
            var response = await Hub.ExecuteWorkflowAsync(request, ct).ConfigureAwait(false);
            var actions = response.Actions.Where(a => terminate is null
                || a.CompleteWorkflow?.WorkflowStatus != OrchestrationStatus.ContinuedAsNew).ToList();
            if (!rs.ApplyActions(response.CustomStatus, actions, AppId, Now))
            {
                break;
            }
            if (continued >= MaxContinueAsNewPerStep)
            {
                throw new WorkflowNotSupportedException($"exceeded tight-loop continue-as-new limit of {MaxContinueAsNewPerStep} iterations");
            }
        }

        if (terminate is not null && !rs.IsCompleted)
        {
            logger.LogWarning("{InstanceId}: workflow was terminated but the executor did not complete it; forcing termination", rs.InstanceId);
            rs.ForceTerminate(terminate, AppId, Now);
        }
    }

    /// <summary>An external event arrived for a <c>WaitForExternalEvent</c> with a timeout: its timer's reminder goes.</summary>
    private void DeleteCancelledEventTimers(RuntimeState rs)
    {
        if (!rs.NewEvents.Any(e => e.EventRaised is not null))
        {
            return;
        }

        var pending = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var names = new Dictionary<int, string>();
        var cancelled = new List<int>();
        void Pair(IEnumerable<HistoryEvent> events, bool collect)
        {
            foreach (var e in events)
            {
                if (e.TimerCreated is { } created && EventTimerName(created) is { } name)
                {
                    (pending.TryGetValue(name, out var ids) ? ids : pending[name] = []).Add(e.EventId);
                    names[e.EventId] = name;
                }
                else if (e.TimerFired is { } fired && names.Remove(fired.TimerId, out var firedName))
                {
                    pending[firedName].Remove(fired.TimerId);
                }
                else if (e.EventRaised is { } raised && pending.TryGetValue(raised.Name.ToUpperInvariant(), out var waiting) && waiting.Count > 0)
                {
                    var id = waiting[0];
                    waiting.RemoveAt(0);
                    names.Remove(id);
                    if (collect)
                    {
                        cancelled.Add(id);
                    }
                }
            }
        }
        Pair(rs.OldEvents, collect: false);
        Pair(rs.NewEvents, collect: true);
        foreach (var id in cancelled)
        {
            Reminders.Delete(WorkflowActorType, rs.InstanceId, "timer-" + id);
        }
    }

    private static string? EventTimerName(TimerCreatedEvent created) =>
        created.ExternalEvent is { } external ? external.Name.ToUpperInvariant()
        : created.HasName && created.OriginCase == TimerCreatedEvent.OriginOneofCase.None ? created.Name.ToUpperInvariant()
        : null;

    /// <summary>A recursive terminate reaches every child through a <c>cascade-terminate</c> reminder.</summary>
    private void TerminateChildren(WorkflowInstanceState state)
    {
        var term = state.History.FirstOrDefault(e => e.ExecutionTerminated is not null)?.ExecutionTerminated;
        if (term is not { Recurse: true })
        {
            return;
        }

        var finished = state.History
            .Select(e => e.ChildWorkflowInstanceCompleted?.TaskScheduledId ?? e.ChildWorkflowInstanceFailed?.TaskScheduledId)
            .OfType<int>()
            .ToHashSet();
        foreach (var child in state.History.Where(e => e.ChildWorkflowInstanceCreated is not null && !finished.Contains(e.EventId)))
        {
            Reminders.Create(new WorkflowReminder(
                WorkflowActorType, child.ChildWorkflowInstanceCreated.InstanceId, "cascade-terminate", time.GetUtcNow(),
                new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionTerminated = new ExecutionTerminatedEvent { Input = term.Input, Recurse = true } }));
        }
    }

    /// <summary>The activity actor's <c>run-activity</c> reminder: one execution on a worker, the result to the workflow.</summary>
    private async Task RunActivityAsync(WorkflowReminder reminder)
    {
        var ct = CancellationToken.None;
        using var turn = await LockAsync(ActivityActorType, reminder.ActorId, ct).ConfigureAwait(false);
        var scheduled = ((ActivityInvocation)reminder.Data!).HistoryEvent;
        var task = scheduled.TaskScheduled;
        var instanceId = reminder.ActorId[..reminder.ActorId.IndexOf("::", StringComparison.Ordinal)];
        var response = await Hub.ExecuteActivityAsync(new ActivityRequest
        {
            Name = task.Name,
            Version = task.Version,
            Input = task.Input,
            WorkflowInstance = new WorkflowInstance { InstanceId = instanceId },
            TaskId = scheduled.EventId,
            TaskExecutionId = task.TaskExecutionId,
            ParentTraceContext = task.ParentTraceContext,
        }, ct).ConfigureAwait(false);

        var result = new HistoryEvent { EventId = -1, Timestamp = Now(), Router = scheduled.Router };
        if (response.FailureDetails is { } failure)
        {
            result.TaskFailed = new TaskFailedEvent { TaskScheduledId = scheduled.EventId, TaskExecutionId = task.TaskExecutionId, FailureDetails = failure };
        }
        else
        {
            result.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = scheduled.EventId, TaskExecutionId = task.TaskExecutionId, Result = response.Result };
        }

        try
        {
            await AddEventAsync(instanceId, result, ct).ConfigureAwait(false);
        }
        catch (WorkflowOperationException ex) when (ex.Kind == WorkflowFailure.InstanceNotFound)
        {
            logger.LogWarning("Activity actor '{ActorId}': the workflow no longer exists; result dropped", reminder.ActorId);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private async Task SaveAsync(IActorStateStore actorStore, WorkflowKeys keys, WorkflowInstanceState state, CancellationToken cancellationToken)
    {
        await WorkflowStateStore.SaveAsync(actorStore, keys, state, cancellationToken).ConfigureAwait(false);
        if (watchers.TryGetValue(keys.InstanceId, out var list))
        {
            var metadata = BuildMetadata(keys.InstanceId, state);
            lock (list)
            {
                foreach (var watcher in list.Where(w => w.Condition(metadata) || IsTerminal(metadata.RuntimeStatus)))
                {
                    watcher.Completion.TrySetResult(metadata);
                }
            }
        }
    }

    private IActorStateStore RequireStore() =>
        store() is { SupportsETagAndTransactions: true } actorStore ? actorStore : throw WorkflowErrors.ActorRuntimeNotFound();

    /// <summary>
    /// The workflow actor types are registered only while a worker is connected (daprd registers them on the first
    /// <c>GetWorkItems</c>): calls into an instance find no host otherwise and fail after daprd's lookup retries.
    /// </summary>
    private async Task<IActorStateStore> RouteAsync(string instanceId, CancellationToken cancellationToken)
    {
        var actorStore = RequireStore();
        for (var attempt = 0; Hub.ConnectedWorkers == 0; attempt++)
        {
            if (attempt >= options.LookupRetries)
            {
                throw WorkflowErrors.NoHost(WorkflowActorType, instanceId);
            }
            await Task.Delay(options.LookupRetryInterval, cancellationToken).ConfigureAwait(false);
        }
        return actorStore;
    }

    private bool IsSameParentCreation(WorkflowInstanceState state, HistoryEvent startEvent)
    {
        var incoming = startEvent.ExecutionStarted.ParentInstance;
        var existing = state.StartEvent?.ParentInstance;
        return incoming is not null && existing is not null
            && incoming.WorkflowInstance.InstanceId == existing.WorkflowInstance.InstanceId
            && incoming.TaskScheduledId == existing.TaskScheduledId;
    }

    /// <summary>durabletask-go's <c>GetWorkflowMetadata</c> over the persisted history (the inbox does not count).</summary>
    private static WorkflowMetadata BuildMetadata(string instanceId, WorkflowInstanceState state)
    {
        var rs = state.ToRuntimeState(instanceId);
        var metadata = new WorkflowMetadata
        {
            InstanceId = instanceId,
            Name = rs.StartEvent?.Name ?? string.Empty,
            RuntimeStatus = rs.Status,
            CreatedAt = rs.StartEvent is null ? new Timestamp() : rs.CreatedTime,
            LastUpdatedAt = rs.StartEvent is null ? new Timestamp() : rs.LastUpdatedTime,
            Input = rs.StartEvent?.Input,
            Output = rs.CompletedEvent?.Result,
            CustomStatus = rs.CustomStatus,
            FailureDetails = rs.CompletedEvent?.FailureDetails,
        };
        if (rs.OldEvents.Count > 0)
        {
            metadata.StartedAt = rs.OldEvents[0].Timestamp;
        }
        return metadata;
    }

    public static bool IsTerminal(OrchestrationStatus status) => status is OrchestrationStatus.Completed
        or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    private static string RandomName(string prefix) =>
        prefix + "-" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).Replace('+', '-').Replace('/', '_');

    private async Task<IDisposable> LockAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        var key = actorType + "||" + actorId;
        while (true)
        {
            var turnLock = locks.GetOrAdd(key, _ => new TurnLock());
            lock (turnLock)
            {
                if (turnLock.Retired)
                {
                    continue;
                }
                turnLock.Users++;
            }
            try
            {
                await turnLock.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Release(key, turnLock, entered: false);
                throw;
            }
            return new Turn(() => Release(key, turnLock, entered: true));
        }
    }

    private void Release(string key, TurnLock turnLock, bool entered)
    {
        if (entered)
        {
            turnLock.Semaphore.Release();
        }
        lock (turnLock)
        {
            if (--turnLock.Users == 0)
            {
                turnLock.Retired = true;
                locks.TryRemove(KeyValuePair.Create(key, turnLock));
            }
        }
    }

    private sealed class TurnLock
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int Users;
        public bool Retired;
    }

    private sealed class Turn(Action release) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                release();
            }
        }
    }

    private sealed class Watcher(Func<WorkflowMetadata, bool> condition)
    {
        public Func<WorkflowMetadata, bool> Condition { get; } = condition;
        public TaskCompletionSource<WorkflowMetadata> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The engine's settings: daprd's Configuration <c>spec.workflow</c> and its actor lookup retries.</summary>
public sealed class WorkflowOptions
{
    /// <summary><c>spec.workflow.maxConcurrentWorkflowInvocations</c>: steps in flight at once; null = unbounded.</summary>
    public int? MaxConcurrentWorkflowInvocations { get; init; }

    /// <summary><c>spec.workflow.maxConcurrentActivityInvocations</c>: activities in flight at once; null = unbounded.</summary>
    public int? MaxConcurrentActivityInvocations { get; init; }

    /// <summary>daprd's built-in actor lookup retries (constant 1 s, 5 retries) while no worker hosts the actors.</summary>
    public int LookupRetries { get; init; } = 5;

    public TimeSpan LookupRetryInterval { get; init; } = TimeSpan.FromSeconds(1);
}
