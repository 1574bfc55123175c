using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>A registered timer or reminder.</summary>
internal sealed class ActorCallback(ActorKey actor, string name, bool isTimer, ActorSchedule schedule)
{
    public ActorKey Actor { get; } = actor;

    public string Name { get; } = name;

    public bool IsTimer { get; } = isTimer;

    public ActorSchedule Schedule { get; } = schedule;

    /// <summary>The raw JSON of <c>data</c> as registered, echoed byte-for-byte on every fire.</summary>
    public byte[]? Data { get; init; }

    public string DueTime { get; init; } = string.Empty;

    public string Period { get; init; } = string.Empty;

    public string Ttl { get; init; } = string.Empty;

    public string? Callback { get; init; }

    /// <summary>Where a reminder is persisted (the registering sidecar's actor state store).</summary>
    public IActorStateStore? Store { get; init; }

    public IDisposable? Handle { get; set; }

    public volatile bool Removed;

    /// <summary>Came due while no replica hosted the type; fires when one registers.</summary>
    public volatile bool Pending;

    public string Key => Actor.Type + "||" + Actor.Id + "||" + Name;
}

/// <summary>
/// Timers (in memory, gone when the actor deactivates) and reminders (persisted in the actor state store under
/// <c>actors||&lt;type&gt;</c>, as daprd stored them before its Scheduler service, so they survive an app restart).
/// Fires go through the actor's turn lock; the next fire is scheduled after the previous one completed.
/// </summary>
internal sealed class ActorCallbacks(ActorCluster cluster, ILogger logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ActorCallback> timers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActorCallback> reminders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim persistence = new(1, 1);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public void AddTimer(ActorCallback timer)
    {
        lock (gate)
        {
            if (timers.Remove(timer.Key, out var previous))
            {
                Cancel(previous);
            }

            timers[timer.Key] = timer;
            Arm(timer);
        }
    }

    public void RemoveTimer(string key)
    {
        lock (gate)
        {
            if (timers.Remove(key, out var timer))
            {
                Cancel(timer);
            }
        }
    }

    public void RemoveTimersOf(ActorKey actor)
    {
        lock (gate)
        {
            foreach (var timer in timers.Values.Where(t => t.Actor == actor).ToList())
            {
                timers.Remove(timer.Key);
                Cancel(timer);
            }
        }
    }

    public ActorCallback? GetReminder(string key)
    {
        lock (gate)
        {
            return reminders.GetValueOrDefault(key);
        }
    }

    /// <summary>Returns false when the reminder exists and <paramref name="overwrite"/> is false.</summary>
    public async Task<bool> AddReminderAsync(ActorCallback reminder, bool overwrite, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (reminders.TryGetValue(reminder.Key, out var previous))
            {
                if (!overwrite)
                {
                    return false;
                }

                Cancel(previous);
            }

            reminders[reminder.Key] = reminder;
        }

        await PersistAsync(reminder.Actor.Type, reminder.Store, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            if (!reminder.Removed)
            {
                Arm(reminder);
            }
        }

        return true;
    }

    public async Task RemoveReminderAsync(string key, CancellationToken cancellationToken)
    {
        ActorCallback? reminder;
        lock (gate)
        {
            if (reminders.Remove(key, out reminder))
            {
                Cancel(reminder);
            }
        }

        if (reminder is not null)
        {
            await PersistAsync(reminder.Actor.Type, reminder.Store, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads back reminders persisted for the host's types that this cluster does not know yet.</summary>
    public async Task LoadRemindersAsync(ActorReplica host, CancellationToken cancellationToken)
    {
        if (host.StateStore is not { SupportsETagAndTransactions: true } store)
        {
            return;
        }

        foreach (var type in host.Types.Keys)
        {
            var item = await store.GetAsync(DocumentKey(type), cancellationToken).ConfigureAwait(false);
            if (item is null || item.Data.Length == 0)
            {
                continue;
            }

            foreach (var record in ReminderRecord.ReadAll(item.Data))
            {
                var reminder = record.ToCallback(store);
                lock (gate)
                {
                    if (reminders.ContainsKey(reminder.Key))
                    {
                        continue;
                    }

                    reminders[reminder.Key] = reminder;
                    Arm(reminder);
                }
            }
        }
    }

    public void ReleasePendingReminders()
    {
        lock (gate)
        {
            foreach (var reminder in reminders.Values.Where(r => r.Pending && cluster.IsTypeHosted(r.Actor.Type)))
            {
                reminder.Pending = false;
                reminder.Handle = cluster.Scheduler.Schedule(cluster.Time.GetUtcNow(), () => FireAsync(reminder));
            }
        }
    }

    private void Arm(ActorCallback callback) =>
        callback.Handle = cluster.Scheduler.Schedule(callback.Schedule.NextFire, () => FireAsync(callback));

    private static void Cancel(ActorCallback callback)
    {
        callback.Removed = true;
        callback.Handle?.Dispose();
    }

    private async Task FireAsync(ActorCallback callback)
    {
        if (callback.Removed)
        {
            return;
        }

        var kind = callback.IsTimer ? "timer" : "remind";
        ActorAppResponse? response;
        var appFailed = false;
        try
        {
            response = await cluster.CallAsync(
                callback.Actor,
                $"method/{kind}/{Uri.EscapeDataString(callback.Name)}",
                () => new HttpRequestMessage { Content = BuildBody(callback) },
                reentrancyId: null,
                retryLookup: false,
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ObjectDisposedException)
        {
            logger.LogDebug(ex, "Firing {Kind} {Key} failed", kind, callback.Key);
            response = null;
            appFailed = true;
        }

        if (response is null)
        {
            if (callback.IsTimer)
            {
                // A timer dies with its actor's host.
                lock (gate)
                {
                    if (timers.TryGetValue(callback.Key, out var current) && current == callback)
                    {
                        timers.Remove(callback.Key);
                    }

                    Cancel(callback);
                }

                return;
            }

            lock (gate)
            {
                if (callback.Removed)
                {
                    return;
                }

                if (cluster.IsTypeHosted(callback.Actor.Type))
                {
                    // A host registered meanwhile: fire now; if its app did not answer, try again shortly.
                    var at = cluster.Time.GetUtcNow() + (appFailed ? RetryDelay : TimeSpan.Zero);
                    callback.Handle = cluster.Scheduler.Schedule(at, () => FireAsync(callback));
                }
                else
                {
                    // Waits for a replica hosting the type (ReleasePendingReminders).
                    callback.Pending = true;
                }
            }

            return;
        }

        if (response.StatusCode != 200)
        {
            logger.LogWarning("{Kind} {Key} answered {Status}", kind, callback.Key, response.StatusCode);
        }

        var cancelled = IsTruthy(response.Header(ActorHeaders.ReminderCancel));
        bool done;
        lock (gate)
        {
            if (callback.Removed)
            {
                return;
            }

            done = cancelled || callback.Schedule.TickExecuted();
            if (!done)
            {
                Arm(callback);
            }
            else
            {
                // Remove this registration only: the callback may have registered a new one under the same name.
                var registry = callback.IsTimer ? timers : reminders;
                if (registry.TryGetValue(callback.Key, out var current) && current == callback)
                {
                    registry.Remove(callback.Key);
                }

                Cancel(callback);
            }
        }

        if (!callback.IsTimer)
        {
            await PersistAsync(callback.Actor.Type, callback.Store, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>daprd's callback body: <c>data</c> first (raw JSON, omitted when absent), then the registered strings.</summary>
    private static ByteArrayContent BuildBody(ActorCallback callback)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (callback.Data is { Length: > 0 } data)
            {
                writer.WritePropertyName("data");
                writer.WriteRawValue(data, skipInputValidation: true);
            }

            if (callback.IsTimer)
            {
                writer.WriteString("callback", callback.Callback ?? string.Empty);
            }

            writer.WriteString("dueTime", callback.DueTime);
            writer.WriteString("period", callback.Period);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static bool IsTruthy(string? value) =>
        value?.Trim().ToLowerInvariant() is "1" or "t" or "true" or "y" or "yes" or "on";

    private static string DocumentKey(string actorType) => "actors||" + actorType;

    /// <summary>Rewrites the <c>actors||type</c> document with the reminders of that type kept in <paramref name="store"/>.</summary>
    private async Task PersistAsync(string actorType, IActorStateStore? store, CancellationToken cancellationToken)
    {
        if (store is not { SupportsETagAndTransactions: true })
        {
            return;
        }

        await persistence.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<ReminderRecord> records;
            lock (gate)
            {
                records = reminders.Values
                    .Where(r => r.Actor.Type == actorType && Equals(r.Store, store))
                    .OrderBy(r => r.Key, StringComparer.Ordinal)
                    .Select(ReminderRecord.From)
                    .ToList();
            }

            var metadata = new Dictionary<string, string>();
            var operation = records.Count == 0
                ? new ActorStateOperation(DocumentKey(actorType), null, null, metadata)
                : new ActorStateOperation(DocumentKey(actorType), ReminderRecord.WriteAll(records), null, metadata);
            await store.ExecuteAsync([operation], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Persisting reminders of {ActorType} failed", actorType);
        }
        finally
        {
            persistence.Release();
        }
    }

    /// <summary>A reminder as stored, in the field names of daprd's reminder JSON plus the progress it needs.</summary>
    private sealed record ReminderRecord(
        string ActorId,
        string ActorType,
        string Name,
        string? Data,
        string DueTime,
        string Period,
        string Ttl,
        DateTimeOffset RegisteredTime,
        DateTimeOffset? ExpirationTime,
        int RepeatsLeft)
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        public static ReminderRecord From(ActorCallback reminder) => new(
            reminder.Actor.Id,
            reminder.Actor.Type,
            reminder.Name,
            reminder.Data is null ? null : Encoding.UTF8.GetString(reminder.Data),
            reminder.DueTime,
            reminder.Period,
            reminder.Ttl,
            reminder.Schedule.NextFire,
            reminder.Schedule.Expiration,
            reminder.Schedule.RepeatsLeft);

        public ActorCallback ToCallback(IActorStateStore store)
        {
            // Re-parse against the registration time so period and expiry come out as registered, then restore
            // progress (next fire, repetitions left).
            var schedule = ActorSchedule.Create(string.Empty, Period, null, RegisteredTime, "reminder", Name);
            schedule.Restore(RegisteredTime, RepeatsLeft, ExpirationTime);
            return new ActorCallback(new ActorKey(ActorType, ActorId), Name, isTimer: false, schedule)
            {
                Data = Data is null ? null : Encoding.UTF8.GetBytes(Data),
                DueTime = DueTime,
                Period = Period,
                Ttl = Ttl,
                Store = store,
            };
        }

        public static byte[] WriteAll(List<ReminderRecord> records) => JsonSerializer.SerializeToUtf8Bytes(records, Json);

        public static List<ReminderRecord> ReadAll(byte[] data) =>
            JsonSerializer.Deserialize<List<ReminderRecord>>(data, Json) ?? [];
    }
}
