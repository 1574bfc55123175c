using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// One workflow execution's view of its history while a step runs: the events already in history (old), the events
/// this step adds (new), and what the step's actions asked for (activities, timers, messages to other instances).
/// Follows durabletask-go's <c>backend/runtimestate</c> (v0.12.4, the version daprd 1.18 builds): status is derived
/// from the start, completion, suspend/resume events, and a second completion of the same task is dropped as a
/// duplicate.
/// </summary>
internal sealed class RuntimeState
{
    public RuntimeState(string instanceId, string? customStatus, IEnumerable<HistoryEvent> history)
    {
        InstanceId = instanceId;
        CustomStatus = customStatus;
        foreach (var e in history)
        {
            Add(e, isNew: false);
        }
    }

    public string InstanceId { get; }
    public List<HistoryEvent> OldEvents { get; } = [];
    public List<HistoryEvent> NewEvents { get; private set; } = [];
    public ExecutionStartedEvent? StartEvent { get; private set; }
    public ExecutionCompletedEvent? CompletedEvent { get; private set; }
    public Timestamp? CreatedTime { get; private set; }
    public Timestamp? CompletedTime { get; private set; }
    public Timestamp? LastUpdatedTime { get; private set; }
    public bool IsSuspended { get; private set; }
    public bool ContinuedAsNew { get; private set; }
    public string? CustomStatus { get; set; }

    /// <summary>Activities to schedule (TaskScheduled events).</summary>
    public List<HistoryEvent> PendingTasks { get; private set; } = [];

    /// <summary>Timers to create (TimerFired events to deliver at their fire time).</summary>
    public List<HistoryEvent> PendingTimers { get; private set; } = [];

    /// <summary>Events for other instances: child starts, completions to a parent, terminations.</summary>
    public List<(string TargetInstanceId, HistoryEvent Event)> PendingMessages { get; private set; } = [];

    public bool IsCompleted => CompletedEvent is not null;

    public OrchestrationStatus Status =>
        StartEvent is null ? OrchestrationStatus.Pending
        : CompletedEvent is not null ? CompletedEvent.WorkflowStatus
        : IsSuspended ? OrchestrationStatus.Suspended
        : OrchestrationStatus.Running;

    /// <summary>Adds an event of this step; false when it is a duplicate (dropped, as durabletask-go does).</summary>
    public bool AddNew(HistoryEvent e) => Add(e, isNew: true);

    private bool Add(HistoryEvent e, bool isNew)
    {
        switch (e.EventTypeCase)
        {
            case HistoryEvent.EventTypeOneofCase.ExecutionStarted:
                if (StartEvent is not null)
                {
                    return false;
                }
                StartEvent = e.ExecutionStarted;
                CreatedTime = e.Timestamp;
                break;
            case HistoryEvent.EventTypeOneofCase.ExecutionCompleted:
                if (CompletedEvent is not null)
                {
                    return false;
                }
                CompletedEvent = e.ExecutionCompleted;
                CompletedTime = e.Timestamp;
                break;
            case HistoryEvent.EventTypeOneofCase.ExecutionSuspended:
                IsSuspended = true;
                break;
            case HistoryEvent.EventTypeOneofCase.ExecutionResumed:
                IsSuspended = false;
                break;
            default:
                if (DedupKey(e) is { } key && (Contains(OldEvents, key) || Contains(NewEvents, key)))
                {
                    return false;
                }
                break;
        }

        (isNew ? NewEvents : OldEvents).Add(e);
        LastUpdatedTime = e.Timestamp;
        return true;
    }

    /// <summary>Completions are keyed by the task they resolve; a second one is a redelivery.</summary>
    private static (HistoryEvent.EventTypeOneofCase Kind, int Id)? DedupKey(HistoryEvent e) => e.EventTypeCase switch
    {
        HistoryEvent.EventTypeOneofCase.TaskCompleted or HistoryEvent.EventTypeOneofCase.TaskFailed =>
            (HistoryEvent.EventTypeOneofCase.TaskCompleted, e.TaskCompleted?.TaskScheduledId ?? e.TaskFailed.TaskScheduledId),
        HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted or HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed =>
            (HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted,
                e.ChildWorkflowInstanceCompleted?.TaskScheduledId ?? e.ChildWorkflowInstanceFailed.TaskScheduledId),
        HistoryEvent.EventTypeOneofCase.TimerFired => (HistoryEvent.EventTypeOneofCase.TimerFired, e.TimerFired.TimerId),
        _ => null,
    };

    private static bool Contains(List<HistoryEvent> events, (HistoryEvent.EventTypeOneofCase Kind, int Id) key) =>
        events.Exists(x => DedupKey(x) == key);

    /// <summary>
    /// Applies the worker's actions as durabletask-go's <c>runtimestate.Applier</c> does: each becomes a history
    /// event with the action's id, and activities, timers and child starts become pending work. Returns true when
    /// the workflow continued as new (the state now holds the new execution's first events).
    /// </summary>
    public bool ApplyActions(string? customStatus, IEnumerable<WorkflowAction> actions, string appId, Func<Timestamp> now)
    {
        CustomStatus = customStatus;
        foreach (var action in actions)
        {
            var router = action.Router ?? new TaskRouter();
            router.SourceAppID = appId;
            if (router.HasTargetAppID && router.TargetAppID != appId)
            {
                // daprd dispatches such work to the other app's actors; running it here would be kinder than that.
                throw new WorkflowNotSupportedException($"cross-app workflows are not emulated: action {action.Id} targets app '{router.TargetAppID}'");
            }
            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    if (CompletedEvent is not null)
                    {
                        continue;
                    }
                    var complete = action.CompleteWorkflow;
                    if (complete.WorkflowStatus == OrchestrationStatus.ContinuedAsNew)
                    {
                        ContinueAsNew(complete, router, customStatus, now);
                        return true;
                    }
                    AddNew(new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = now(),
                        Router = router,
                        ExecutionCompleted = new ExecutionCompletedEvent
                        {
                            WorkflowStatus = complete.WorkflowStatus,
                            Result = complete.Result,
                            FailureDetails = complete.FailureDetails,
                        },
                    });
                    if (StartEvent?.ParentInstance is { } parent)
                    {
                        var message = new HistoryEvent { EventId = -1, Timestamp = now(), Router = router };
                        if (complete.WorkflowStatus == OrchestrationStatus.Completed)
                        {
                            message.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent
                            {
                                TaskScheduledId = parent.TaskScheduledId,
                                Result = complete.Result,
                            };
                        }
                        else
                        {
                            message.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                            {
                                TaskScheduledId = parent.TaskScheduledId,
                                FailureDetails = complete.FailureDetails,
                            };
                        }
                        PendingMessages.Add((parent.WorkflowInstance.InstanceId, message));
                    }
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                    var timer = action.CreateTimer;
                    var created = new TimerCreatedEvent { FireAt = timer.FireAt };
                    if (timer.HasName)
                    {
                        created.Name = timer.Name;
                    }
                    switch (timer.OriginCase)
                    {
                        case CreateTimerAction.OriginOneofCase.CreateTimer: created.CreateTimer = timer.CreateTimer; break;
                        case CreateTimerAction.OriginOneofCase.ExternalEvent: created.ExternalEvent = timer.ExternalEvent; break;
                        case CreateTimerAction.OriginOneofCase.ActivityRetry: created.ActivityRetry = timer.ActivityRetry; break;
                        case CreateTimerAction.OriginOneofCase.ChildWorkflowRetry: created.ChildWorkflowRetry = timer.ChildWorkflowRetry; break;
                    }
                    AddNew(new HistoryEvent { EventId = action.Id, Timestamp = now(), Router = router, TimerCreated = created });
                    PendingTimers.Add(new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = now(),
                        TimerFired = new TimerFiredEvent { TimerId = action.Id, FireAt = timer.FireAt },
                    });
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                    var task = action.ScheduleTask;
                    var scheduled = new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = now(),
                        Router = router,
                        TaskScheduled = new TaskScheduledEvent
                        {
                            Name = task.Name,
                            Version = task.Version,
                            Input = task.Input,
                            TaskExecutionId = task.TaskExecutionId,
                        },
                    };
                    AddNew(scheduled);
                    PendingTasks.Add(scheduled);
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                    var child = action.CreateChildWorkflow;
                    if (string.IsNullOrEmpty(child.InstanceId))
                    {
                        // durabletask-go's GenerateChildWorkflowInstanceID: the last 4 hex digits of 0x10000 + action id.
                        child.InstanceId = $"{InstanceId}:{(0x10000 + (long)action.Id).ToString("x", System.Globalization.CultureInfo.InvariantCulture)[^4..]}";
                    }
                    AddNew(new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = now(),
                        Router = router,
                        ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent
                        {
                            Name = child.Name,
                            Version = child.Version,
                            Input = child.Input,
                            InstanceId = child.InstanceId,
                        },
                    });
                    PendingMessages.Add((child.InstanceId, new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = now(),
                        Router = router,
                        ExecutionStarted = new ExecutionStartedEvent
                        {
                            Name = child.Name,
                            Input = child.Input,
                            ParentInstance = new ParentInstanceInfo
                            {
                                TaskScheduledId = action.Id,
                                Name = StartEvent?.Name,
                                WorkflowInstance = new WorkflowInstance { InstanceId = InstanceId, ExecutionId = StartEvent?.WorkflowInstance?.ExecutionId },
                                AppID = appId,
                            },
                            WorkflowInstance = new WorkflowInstance { InstanceId = child.InstanceId, ExecutionId = Guid.NewGuid().ToString() },
                        },
                    }));
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                    var send = action.SendEvent;
                    var sent = new HistoryEvent
                    {
                        EventId = action.Id,
                        Timestamp = now(),
                        Router = router,
                        EventSent = new EventSentEvent { InstanceId = send.Instance.InstanceId, Name = send.Name, Input = send.Data },
                    };
                    AddNew(sent);
                    PendingMessages.Add((send.Instance.InstanceId, sent));
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                    var terminate = action.TerminateWorkflow;
                    PendingMessages.Add((terminate.InstanceId, new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = now(),
                        Router = router,
                        ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminate.Reason, Recurse = terminate.Recurse },
                    }));
                    break;

                default:
                    // Versioning stalls, detached children: not emulated (see the README's workflow row).
                    throw new WorkflowNotSupportedException($"unknown action type: {action.WorkflowActionTypeCase}");
            }
        }

        return false;
    }

    /// <summary>Replaces this execution with a new one carrying the result as input (the history starts over).</summary>
    private void ContinueAsNew(CompleteWorkflowAction complete, TaskRouter router, string? customStatus, Func<Timestamp> now)
    {
        var start = StartEvent!;
        var carryover = complete.CarryoverEvents.ToList();
        OldEvents.Clear();
        NewEvents = [];
        PendingTasks = [];
        PendingTimers = [];
        PendingMessages = [];
        StartEvent = null;
        CompletedEvent = null;
        CompletedTime = null;
        IsSuspended = false;
        CustomStatus = customStatus;
        ContinuedAsNew = true;
        AddNew(new HistoryEvent { EventId = -1, Timestamp = now(), Router = router, WorkflowStarted = new WorkflowStartedEvent() });
        AddNew(new HistoryEvent
        {
            EventId = -1,
            Timestamp = now(),
            Router = router,
            ExecutionStarted = new ExecutionStartedEvent
            {
                Name = start.Name,
                ParentInstance = start.ParentInstance,
                Input = complete.Result,
                WorkflowInstance = new WorkflowInstance { InstanceId = InstanceId, ExecutionId = Guid.NewGuid().ToString() },
            },
        });
        foreach (var e in carryover)
        {
            AddNew(e);
        }
    }

    /// <summary>A terminated step whose worker did not complete it is completed as Terminated (durabletask-go does so).</summary>
    public void ForceTerminate(ExecutionTerminatedEvent terminated, string appId, Func<Timestamp> now)
    {
        PendingTasks = [];
        PendingTimers = [];
        PendingMessages = [];
        ApplyActions(CustomStatus, [new WorkflowAction
        {
            Id = -1,
            CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Terminated, Result = terminated.Input },
        }], appId, now);
    }
}

/// <summary>The worker asked for something this emulation does not do; the step fails and is retried like daprd's.</summary>
internal sealed class WorkflowNotSupportedException(string message) : Exception(message);
