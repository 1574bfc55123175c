using Dapr.Workflow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.Fulfilment.Tests.Workflows;

/// <summary>
/// A workflow context that plays a scripted history: activities answer from <see cref="OnActivity"/>, external events
/// come from <see cref="Raise"/> in order, and a wait with nothing scripted times out, moving the clock to the
/// deadline as the durable timer would. What the workflow did is recorded in <see cref="Steps"/> for the test to read.
/// </summary>
public sealed class ScriptedWorkflowContext(DateTimeOffset start, string instanceId = "wf-1") : WorkflowContext
{
    private readonly Dictionary<string, Func<object?, object?>> activities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<object?>> events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<object?, object?>> children = new(StringComparer.Ordinal);

    public DateTimeOffset Now { get; private set; } = start;

    /// <summary>Activities called, events consumed, timers and timeouts, children started: the workflow's history.</summary>
    public List<string> Steps { get; } = [];

    public List<(string Name, object? Input)> ActivityCalls { get; } = [];

    public List<(string Name, object? Input, string? InstanceId)> ChildCalls { get; } = [];

    public ScriptedWorkflowContext OnActivity<TInput, TResult>(string name, Func<TInput, TResult> answer)
    {
        activities[name] = input => answer((TInput)input!);
        return this;
    }

    public ScriptedWorkflowContext OnChild<TInput, TResult>(string name, Func<TInput, TResult> answer)
    {
        children[name] = input => answer((TInput)input!);
        return this;
    }

    /// <summary>The first wait on <paramref name="name"/> still open at <paramref name="at"/> receives <paramref name="payload"/> then.</summary>
    public ScriptedWorkflowContext Raise(string name, object payload, DateTimeOffset at)
    {
        if (!events.TryGetValue(name, out var queue))
        {
            events[name] = queue = new Queue<object?>();
        }
        queue.Enqueue(new Scripted(payload, at));
        return this;
    }

    public override string Name => "scripted";

    public override string InstanceId => instanceId;

    public override DateTime CurrentUtcDateTime => Now.UtcDateTime;

    public override bool IsReplaying => false;

    public override Task<T> CallActivityAsync<T>(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        ActivityCalls.Add((name, input));
        Steps.Add(name);
        return activities.TryGetValue(name, out var answer)
            ? Task.FromResult((T)answer(input)!)
            : throw new InvalidOperationException($"The script has no answer for activity {name}.");
    }

    public override Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null) => CallActivityAsync<object>(name, input, options);

    public override Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        Steps.Add($"timer {delay}");
        Now += delay;
        return Task.CompletedTask;
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken = default) =>
        CreateTimer(new DateTimeOffset(DateTime.SpecifyKind(fireAt, DateTimeKind.Utc)) - Now, cancellationToken);

    public override Task<T> WaitForExternalEventAsync<T>(string eventName, CancellationToken cancellationToken = default) =>
        WaitForExternalEventAsync<T>(eventName, TimeSpan.MaxValue);

    public override Task<T> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout)
    {
        if (events.TryGetValue(eventName, out var queue) && queue.Count > 0 && queue.Peek() is Scripted next
            && (timeout == TimeSpan.MaxValue || next.At < Now + timeout))
        {
            queue.Dequeue();
            Now = next.At > Now ? next.At : Now;
            Steps.Add($"event {eventName}");
            return Task.FromResult((T)next.Payload);
        }
        Steps.Add($"timeout {eventName} after {timeout}");
        Now += timeout;
        return Task.FromException<T>(new TaskCanceledException($"{eventName} timed out"));
    }

    public override void SendEvent(string instanceId, string eventName, object payload) => Steps.Add($"send {eventName}");

    public override void SetCustomStatus(object? customStatus) => Steps.Add($"status {customStatus}");

    public override Task<TResult> CallChildWorkflowAsync<TResult>(string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null)
    {
        ChildCalls.Add((workflowName, input, options?.InstanceId));
        Steps.Add($"child {workflowName}");
        return children.TryGetValue(workflowName, out var answer)
            ? Task.FromResult((TResult)answer(input)!)
            : throw new InvalidOperationException($"The script has no answer for child workflow {workflowName}.");
    }

    public override Task CallChildWorkflowAsync(string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null) =>
        CallChildWorkflowAsync<object>(workflowName, input, options);

    public override ILogger CreateReplaySafeLogger(string categoryName) => NullLogger.Instance;

    public override ILogger CreateReplaySafeLogger(Type type) => NullLogger.Instance;

    public override ILogger<T> CreateReplaySafeLogger<T>() => NullLogger<T>.Instance;

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => Steps.Add("continue-as-new");

    public override Guid NewGuid() => Guid.NewGuid();

    public override bool IsPatched(string patchName) => true;

    public override PropagatedHistory? GetPropagatedHistory() => null;

    private sealed record Scripted(object Payload, DateTimeOffset At);
}
