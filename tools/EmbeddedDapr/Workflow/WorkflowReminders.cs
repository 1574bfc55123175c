using Flipkart.EmbeddedDapr.Actors;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>One reminder of a workflow or activity actor (daprd's Scheduler job for it).</summary>
internal sealed record WorkflowReminder(string ActorType, string ActorId, string Name, DateTimeOffset Due, Google.Protobuf.IMessage? Data)
{
    public string Key => ActorType + "||" + ActorId + "||" + Name;
}

/// <summary>
/// The reminders daprd 1.18 creates for workflows (<c>start-…</c>, <c>new-event-…</c>, <c>timer-N</c>,
/// <c>cascade-terminate</c> on the workflow actor, <c>run-activity</c> on the activity actor), kept by the cluster
/// as daprd's Scheduler service keeps them: outside any sidecar, so restarting a sidecar or the app loses none.
/// Every one is created with daprd's failure policy (constant 1 s, retried forever), a name reused overwrites the
/// previous one, and while no worker is connected the workflow actor types are not registered, so due reminders
/// wait until one connects. Times follow the cluster's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class WorkflowReminders(ActorScheduler scheduler, WorkItemHub hub, Func<WorkflowReminder, Task> fire, ILogger logger)
{
    /// <summary>daprd's <c>JobFailurePolicyConstant{Interval: 1s}</c> on every workflow reminder.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    public IReadOnlyList<WorkflowReminder> Snapshot()
    {
        lock (gate)
        {
            return entries.Values.Select(e => e.Reminder).ToList();
        }
    }

    public void Create(WorkflowReminder reminder)
    {
        var entry = new Entry(reminder);
        lock (gate)
        {
            if (entries.Remove(reminder.Key, out var previous))
            {
                previous.Cancel();
            }
            entries[reminder.Key] = entry;
            Arm(entry, reminder.Due);
        }
    }

    public void Delete(string actorType, string actorId, string name)
    {
        lock (gate)
        {
            if (entries.Remove(actorType + "||" + actorId + "||" + name, out var entry))
            {
                entry.Cancel();
            }
        }
    }

    /// <summary>daprd's <c>DeleteByActorID</c> (optionally matching the id as a prefix).</summary>
    public void DeleteByActor(string actorType, string actorId, bool idAsPrefix)
    {
        lock (gate)
        {
            foreach (var entry in entries.Values.Where(e => e.Reminder.ActorType == actorType
                && (idAsPrefix ? e.Reminder.ActorId.StartsWith(actorId, StringComparison.Ordinal) : e.Reminder.ActorId == actorId)).ToList())
            {
                entries.Remove(entry.Reminder.Key);
                entry.Cancel();
            }
        }
    }

    /// <summary>A worker connected: reminders that came due while none was fire now.</summary>
    public void ReleaseHeld()
    {
        lock (gate)
        {
            foreach (var entry in entries.Values.Where(e => e.Held))
            {
                entry.Held = false;
                Arm(entry, scheduler.Time.GetUtcNow());
            }
        }
    }

    private void Arm(Entry entry, DateTimeOffset at) => entry.Handle = scheduler.Schedule(at, () => FireAsync(entry));

    private async Task FireAsync(Entry entry)
    {
        if (entry.Cancelled)
        {
            return;
        }

        if (hub.ConnectedWorkers == 0)
        {
            lock (gate)
            {
                if (!entry.Cancelled)
                {
                    entry.Held = true;
                }
            }
            if (hub.ConnectedWorkers > 0)
            {
                ReleaseHeld();
            }
            return;
        }

        try
        {
            await fire(entry.Reminder).ConfigureAwait(false);
            lock (gate)
            {
                // Done: remove this registration only (the handler may have created a new one under the same name).
                if (entries.TryGetValue(entry.Reminder.Key, out var current) && current == entry)
                {
                    entries.Remove(entry.Reminder.Key);
                }
                entry.Cancel();
            }
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Workflow reminder {Reminder} failed; retried in {Interval}", entry.Reminder.Key, RetryInterval);
            lock (gate)
            {
                if (!entry.Cancelled)
                {
                    Arm(entry, scheduler.Time.GetUtcNow() + RetryInterval);
                }
            }
        }
    }

    private sealed class Entry(WorkflowReminder reminder)
    {
        public WorkflowReminder Reminder { get; } = reminder;
        public IDisposable? Handle { get; set; }
        public volatile bool Cancelled;
        public bool Held;

        public void Cancel()
        {
            Cancelled = true;
            Handle?.Dispose();
        }
    }
}
