using System.Globalization;
using Dapr.DurableTask.Protobuf;
using Flipkart.EmbeddedDapr.Actors;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// A workflow instance as daprd keeps it in the actor state store (<c>pkg/runtime/wfengine/state/state.go</c>):
/// under the workflow actor's keys <c>&lt;appId&gt;||&lt;actorType&gt;||&lt;instanceId&gt;||…</c> one key per inbox
/// event (<c>inbox-NNNNNN</c>) and per history event (<c>history-NNNNNN</c>), each a protobuf <c>HistoryEvent</c>;
/// <c>customStatus</c> (a protobuf <c>StringValue</c>) and <c>metadata</c> (<c>BackendWorkflowStateMetadata</c>: the
/// lengths and the generation), written last with the ETag read, in one transaction per step.
/// </summary>
internal sealed class WorkflowInstanceState
{
    private int inboxAdded;
    private int inboxRemoved;
    private int historyAdded;
    private int historyRemoved;

    public List<HistoryEvent> Inbox { get; } = [];
    public List<HistoryEvent> History { get; } = [];
    public string? CustomStatus { get; set; }
    public ulong Generation { get; set; } = 1;
    public string? MetadataETag { get; set; }

    public void AddToInbox(HistoryEvent e)
    {
        Inbox.Add(e);
        inboxAdded++;
    }

    /// <summary>Timer events are delivered without ever being written to the inbox, so clearing counts only stored ones.</summary>
    public void ClearInbox()
    {
        inboxRemoved += Inbox.Count(e => e.EventTypeCase != HistoryEvent.EventTypeOneofCase.TimerFired);
        Inbox.Clear();
        inboxAdded = 0;
    }

    public void ApplyStep(RuntimeState step)
    {
        if (step.ContinuedAsNew)
        {
            historyRemoved += History.Count;
            historyAdded = 0;
            History.Clear();
        }

        History.AddRange(step.NewEvents);
        historyAdded += step.NewEvents.Count;
        CustomStatus = step.CustomStatus;
    }

    /// <summary>The instance is recreated after completion: everything goes, the generation moves on.</summary>
    public void Reset()
    {
        inboxAdded = 0;
        inboxRemoved += Inbox.Count;
        Inbox.Clear();
        historyAdded = 0;
        historyRemoved += History.Count;
        History.Clear();
        CustomStatus = null;
        Generation++;
    }

    public ExecutionStartedEvent? StartEvent =>
        History.Concat(Inbox).FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted;

    public RuntimeState ToRuntimeState(string instanceId) => new(instanceId, CustomStatus, History);

    internal List<ActorStateOperation> SaveOperations(WorkflowKeys keys)
    {
        var ops = new List<ActorStateOperation>();
        AddListOperations(ops, keys, "inbox", Inbox, inboxAdded, inboxRemoved);
        AddListOperations(ops, keys, "history", History, historyAdded, historyRemoved);
        if (historyAdded > 0 || historyRemoved > 0)
        {
            ops.Add(Upsert(keys.Of("customStatus"), new StringValue { Value = CustomStatus ?? string.Empty }.ToByteArray(), null));
        }

        var metadata = new BackendWorkflowStateMetadata
        {
            InboxLength = (ulong)Inbox.Count,
            HistoryLength = (ulong)History.Count,
            Generation = Generation,
        };
        ops.Add(Upsert(keys.Of("metadata"), metadata.ToByteArray(), MetadataETag));
        return ops;
    }

    internal void Saved()
    {
        inboxAdded = inboxRemoved = historyAdded = historyRemoved = 0;
    }

    private static void AddListOperations(List<ActorStateOperation> ops, WorkflowKeys keys, string prefix, List<HistoryEvent> events, int added, int removed)
    {
        for (var i = events.Count - added; i < events.Count; i++)
        {
            ops.Add(Upsert(keys.Of(EntryKey(prefix, i)), events[i].ToByteArray(), null));
        }
        for (var i = events.Count; i < removed; i++)
        {
            ops.Add(new ActorStateOperation(keys.Of(EntryKey(prefix, i)), null, null, NoMetadata));
        }
    }

    internal static string EntryKey(string prefix, int index) => prefix + "-" + index.ToString("D6", CultureInfo.InvariantCulture);

    private static ActorStateOperation Upsert(string key, byte[] value, string? etag) => new(key, value, etag, NoMetadata);

    internal static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
}

/// <summary>The state keys of one workflow actor: <c>&lt;appId&gt;||&lt;actorType&gt;||&lt;instanceId&gt;||key</c>.</summary>
internal readonly record struct WorkflowKeys(string AppId, string ActorType, string InstanceId)
{
    public string Of(string key) => AppId + "||" + ActorType + "||" + InstanceId + "||" + key;
}

internal static class WorkflowStateStore
{
    public static async Task<WorkflowInstanceState?> LoadAsync(IActorStateStore store, WorkflowKeys keys, CancellationToken cancellationToken)
    {
        var metadataItem = await store.GetAsync(keys.Of("metadata"), cancellationToken).ConfigureAwait(false);
        if (metadataItem is null)
        {
            return null;
        }

        var metadata = BackendWorkflowStateMetadata.Parser.ParseFrom(metadataItem.Data);
        var state = new WorkflowInstanceState { Generation = metadata.Generation, MetadataETag = metadataItem.ETag };
        await ReadListAsync(store, keys, "inbox", (int)metadata.InboxLength, state.Inbox, cancellationToken).ConfigureAwait(false);
        await ReadListAsync(store, keys, "history", (int)metadata.HistoryLength, state.History, cancellationToken).ConfigureAwait(false);
        if (await store.GetAsync(keys.Of("customStatus"), cancellationToken).ConfigureAwait(false) is { Data.Length: > 0 } custom)
        {
            var value = StringValue.Parser.ParseFrom(custom.Data).Value;
            state.CustomStatus = value.Length == 0 ? null : value;
        }

        return state;
    }

    private static async Task ReadListAsync(IActorStateStore store, WorkflowKeys keys, string prefix, int count, List<HistoryEvent> into, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var item = await store.GetAsync(keys.Of(WorkflowInstanceState.EntryKey(prefix, i)), cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"failed to load workflow state: key {WorkflowInstanceState.EntryKey(prefix, i)} is missing");
            into.Add(HistoryEvent.Parser.ParseFrom(item.Data));
        }
    }

    public static async Task SaveAsync(IActorStateStore store, WorkflowKeys keys, WorkflowInstanceState state, CancellationToken cancellationToken)
    {
        await store.ExecuteAsync(state.SaveOperations(keys), cancellationToken).ConfigureAwait(false);
        state.Saved();
        // The store assigned a new ETag to metadata; read it back so the next step's write is checked against it.
        state.MetadataETag = (await store.GetAsync(keys.Of("metadata"), cancellationToken).ConfigureAwait(false))?.ETag;
    }

    /// <summary>Deletes every key of the instance (purge), in one transaction.</summary>
    public static Task DeleteAsync(IActorStateStore store, WorkflowKeys keys, WorkflowInstanceState state, CancellationToken cancellationToken)
    {
        var ops = new List<ActorStateOperation>();
        for (var i = 0; i < state.Inbox.Count(e => e.EventTypeCase != HistoryEvent.EventTypeOneofCase.TimerFired); i++)
        {
            ops.Add(Delete(keys.Of(WorkflowInstanceState.EntryKey("inbox", i))));
        }
        for (var i = 0; i < state.History.Count; i++)
        {
            ops.Add(Delete(keys.Of(WorkflowInstanceState.EntryKey("history", i))));
        }
        ops.Add(Delete(keys.Of("customStatus")));
        ops.Add(Delete(keys.Of("metadata")));
        return store.ExecuteAsync(ops, cancellationToken);
    }

    private static ActorStateOperation Delete(string key) => new(key, null, null, WorkflowInstanceState.NoMetadata);
}
