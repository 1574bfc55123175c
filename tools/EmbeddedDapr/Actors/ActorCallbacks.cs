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

    /// <summary>The storage partition (1…n) of a reminder: daprd's FNV-1a of actor id and name.</summary>
    public uint Partition { get; } = ReminderPartitions.Of(actor.Id, name);
}

/// <summary>
/// Where reminders are kept: daprd's partitioned layout (<c>actors||type||metadata</c> holding
/// <c>{"id","actorRemindersMetadata":{"partitionCount"}}</c>, then <c>actors||type||id||reminders||1…n</c>), with a
/// fixed partition count. Registering or removing one reminder rewrites only its partition (about 1/128 of the type's
/// reminders), close to daprd's Scheduler, which keeps each reminder as its own job. The single
/// <c>actors||type</c> document daprd used without partitions made every registration rewrite all reminders of the
/// type: ordering's one reminder per order turned checkout into O(orders held).
/// </summary>
internal static class ReminderPartitions
{
    public const int Count = 128;

    public static uint Of(string actorId, string reminderName)
    {
        // FNV-1a 32 over the UTF-8 bytes of id then name, as daprd partitions reminders.
        var hash = 2166136261u;
        foreach (var part in (ReadOnlySpan<string>)[actorId, reminderName])
        {
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(part))
            {
                hash = (hash ^ b) * 16777619u;
            }
        }
        return hash % Count + 1;
    }

    public static string MetadataKey(string actorType) => "actors||" + actorType + "||metadata";

    public static string PartitionKey(string actorType, string metadataId, uint partition) =>
        "actors||" + actorType + "||" + metadataId + "||reminders||" + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static byte[] WriteMetadata(string id) =>
        JsonSerializer.SerializeToUtf8Bytes(new { id, actorRemindersMetadata = new { partitionCount = Count } });

    /// <summary>The metadata id and partition count, or null when the document is unreadable.</summary>
    public static (string Id, int PartitionCount)? ReadMetadata(byte[] data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            return root.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } value
                && root.TryGetProperty("actorRemindersMetadata", out var reminders)
                && reminders.TryGetProperty("partitionCount", out var count) && count.TryGetInt32(out var partitions)
                ? (value, partitions)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Timers (in memory, gone when the actor deactivates) and reminders (persisted in the actor state store in daprd's
/// partitioned layout, see <see cref="ReminderPartitions"/>, so they survive an app restart).
/// Fires go through the actor's turn lock; the next fire is scheduled after the previous one completed.
/// </summary>
internal sealed class ActorCallbacks(ActorCluster cluster, ILogger logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ActorCallback> timers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActorCallback> reminders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim persistence = new(1, 1);

    // Metadata id of each (actor type, store) partition set, known once read or written; guarded by `persistence`.
    private readonly Dictionary<(string ActorType, string Store), string> metadataIds = [];

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

        await PersistAsync(reminder, cancellationToken).ConfigureAwait(false);
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
            await PersistAsync(reminder, cancellationToken).ConfigureAwait(false);
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
            var metadata = await store.GetAsync(ReminderPartitions.MetadataKey(type), cancellationToken).ConfigureAwait(false);
            if (metadata is null || ReminderPartitions.ReadMetadata(metadata.Data) is not { } partitions)
            {
                continue;
            }

            var records = new List<ReminderRecord>();
            for (var partition = 1u; partition <= partitions.PartitionCount; partition++)
            {
                var item = await store.GetAsync(ReminderPartitions.PartitionKey(type, partitions.Id, partition), cancellationToken).ConfigureAwait(false);
                if (item is { Data.Length: > 0 })
                {
                    records.AddRange(ReminderRecord.ReadAll(item.Data));
                }
            }

            foreach (var record in records)
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
            await PersistAsync(callback, CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>Rewrites the partition holding <paramref name="reminder"/> with the reminders now in it.</summary>
    private async Task PersistAsync(ActorCallback reminder, CancellationToken cancellationToken)
    {
        if (reminder.Store is not { SupportsETagAndTransactions: true } store)
        {
            return;
        }

        var actorType = reminder.Actor.Type;
        await persistence.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var metadataId = await MetadataIdAsync(actorType, store, cancellationToken).ConfigureAwait(false);
            List<ReminderRecord> records;
            lock (gate)
            {
                // A scan of the in-memory registry (cheap); only the one partition is serialized and written.
                records = reminders.Values
                    .Where(r => r.Partition == reminder.Partition && r.Actor.Type == actorType && Equals(r.Store, store))
                    .OrderBy(r => r.Key, StringComparer.Ordinal)
                    .Select(ReminderRecord.From)
                    .ToList();
            }

            var key = ReminderPartitions.PartitionKey(actorType, metadataId, reminder.Partition);
            var metadata = new Dictionary<string, string>();
            var operation = records.Count == 0
                ? new ActorStateOperation(key, null, null, metadata)
                : new ActorStateOperation(key, ReminderRecord.WriteAll(records), null, metadata);
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

    /// <summary>The id naming the type's partitions: read from its metadata document, or created with it. Runs under <c>persistence</c>.</summary>
    private async Task<string> MetadataIdAsync(string actorType, IActorStateStore store, CancellationToken cancellationToken)
    {
        if (metadataIds.TryGetValue((actorType, store.Name), out var known))
        {
            return known;
        }

        var existing = await store.GetAsync(ReminderPartitions.MetadataKey(actorType), cancellationToken).ConfigureAwait(false);
        if (existing is not null && ReminderPartitions.ReadMetadata(existing.Data) is { PartitionCount: ReminderPartitions.Count } stored)
        {
            return metadataIds[(actorType, store.Name)] = stored.Id;
        }

        // New (or written with another partition count, which this store never does): start a fresh set.
        var id = Guid.NewGuid().ToString();
        await store.ExecuteAsync(
            [new ActorStateOperation(ReminderPartitions.MetadataKey(actorType), ReminderPartitions.WriteMetadata(id), null, new Dictionary<string, string>())],
            cancellationToken).ConfigureAwait(false);
        return metadataIds[(actorType, store.Name)] = id;
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
