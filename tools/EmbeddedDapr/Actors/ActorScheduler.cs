namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// Runs callbacks at points in time on a <see cref="TimeProvider"/>, with one underlying timer for the earliest
/// entry. Timers, reminders and idle checks all go through it, so tests drive them with a fake clock and never
/// sleep. Callbacks run on the thread pool; a callback that wants to run again schedules itself again.
/// </summary>
public sealed class ActorScheduler : IDisposable
{
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly SortedSet<Entry> entries = new(EntryComparer.Instance);
    private readonly ITimer timer;
    private long sequence;
    private DateTimeOffset? armedFor;
    private bool disposed;

    public ActorScheduler(TimeProvider time)
    {
        this.time = time;
        timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeProvider Time => time;

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

    /// <summary>Schedules <paramref name="callback"/> at <paramref name="due"/>; dispose the handle to cancel.</summary>
    public IDisposable Schedule(DateTimeOffset due, Func<Task> callback)
    {
        var entry = new Entry(this, due, Interlocked.Increment(ref sequence), callback);
        lock (gate)
        {
            if (disposed)
            {
                return entry;
            }

            entries.Add(entry);
            ArmLocked();
        }

        return entry;
    }

    private void Cancel(Entry entry)
    {
        lock (gate)
        {
            entries.Remove(entry);
        }
    }

    private void ArmLocked()
    {
        if (entries.Count == 0)
        {
            armedFor = null;
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var first = entries.Min!.Due;
        if (armedFor == first)
        {
            return;
        }

        var delay = first - time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            // Already due. Firing from here would re-enter this lock (fake clocks fire synchronously inside
            // Change), so run the due entries from the thread pool instead.
            armedFor = null;
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.OnTimer(), this, preferLocal: false);
            return;
        }

        armedFor = first;
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<Entry> due = [];
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            var now = time.GetUtcNow();
            while (entries.Count > 0 && entries.Min!.Due <= now)
            {
                var entry = entries.Min;
                entries.Remove(entry);
                due.Add(entry);
            }

            armedFor = null;
            ArmLocked();
        }

        foreach (var entry in due)
        {
            _ = Task.Run(() => RunAsync(entry.Callback));
        }
    }

    private static async Task RunAsync(Func<Task> callback)
    {
        try
        {
            await callback().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Callbacks report their own failures; one failing must not stop the others.
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            entries.Clear();
        }

        timer.Dispose();
    }

    private sealed class Entry(ActorScheduler owner, DateTimeOffset due, long sequence, Func<Task> callback) : IDisposable
    {
        public DateTimeOffset Due { get; } = due;

        public long Sequence { get; } = sequence;

        public Func<Task> Callback { get; } = callback;

        public void Dispose() => owner.Cancel(this);
    }

    private sealed class EntryComparer : IComparer<Entry>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var byDue = x!.Due.CompareTo(y!.Due);
            return byDue != 0 ? byDue : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
