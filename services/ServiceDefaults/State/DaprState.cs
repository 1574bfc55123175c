using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Polly;
using Polly.Retry;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Typed access to the <typeparamref name="T"/> items of one Dapr state store, with the concurrency rules every
/// service needs written once: reads return the ETag, creates are first-write, replaces and deletes must match the
/// ETag read, and <see cref="UpdateAsync{TResult}"/> reruns read → decide → write on a lost race.
/// <para>
/// A lost race answers <c>false</c>; a store that fails answers an exception. daprd does not always tell the two
/// apart (a transaction reports an ETag mismatch and a broken broker alike as <c>Internal</c>, and Redis or SQL
/// stores refuse a first-write create of an existing key the same way), so where the code is ambiguous the key is
/// read again: changed means someone else won, unchanged means the store or the outbox's broker failed, which is
/// <see cref="DependencyUnavailableException"/> (503, or a redelivered event) rather than a retry that cannot help.
/// </para>
/// </summary>
public sealed class DaprState<T>(DaprClient dapr, string storeName) where T : class
{
    // First-write: without an ETag a write only creates; with one it must match (Redis ignores ETags under last-write).
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public string StoreName { get; } = storeName;

    public Task<T?> GetAsync(string key, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<T?>(StoreName, key, cancellationToken: cancellationToken);

    /// <summary>The item and its ETag; <c>(null, "")</c> when there is none.</summary>
    public async Task<(T? Value, string ETag)> GetWithETagAsync(string key, CancellationToken cancellationToken)
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<T?>(StoreName, key, cancellationToken: cancellationToken);
        return (value, etag ?? "");
    }

    /// <summary>The items that exist among <paramref name="keys"/>, in no promised order.</summary>
    public async Task<IReadOnlyList<T>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken, int parallelism = 8)
    {
        if (keys.Count == 0)
        {
            return [];
        }
        var items = await dapr.GetBulkStateAsync<T?>(StoreName, keys, parallelism, cancellationToken: cancellationToken);
        return [.. items.Select(i => i.Value).OfType<T>()];
    }

    /// <summary>Writes without any concurrency check (last write wins).</summary>
    public Task SaveAsync(string key, T value, CancellationToken cancellationToken, TimeSpan? timeToLive = null) =>
        dapr.SaveStateAsync(StoreName, key, value, metadata: Metadata(timeToLive), cancellationToken: cancellationToken);

    /// <summary>Creates the item; false when it already exists (someone else created it first).</summary>
    public async Task<bool> TryCreateAsync(string key, T value, CancellationToken cancellationToken, TimeSpan? timeToLive = null)
    {
        try
        {
            // The in-memory store reports an existing key as Aborted (the SDK answers false).
            return await dapr.TrySaveStateAsync(StoreName, key, value, "", FirstWrite, Metadata(timeToLive), cancellationToken);
        }
        catch (DaprException ex) when (IsAmbiguous(ex))
        {
            // Redis and the SQL stores refuse the create of an existing key as a plain store error.
            return await ExistsAsync(key, cancellationToken)
                ? false
                : throw Unavailable($"could not create '{key}'", ex);
        }
    }

    /// <summary>Replaces the item if it still has <paramref name="etag"/>; false when it changed meanwhile.</summary>
    public Task<bool> TryReplaceAsync(string key, T value, string etag, CancellationToken cancellationToken, TimeSpan? timeToLive = null) =>
        string.IsNullOrEmpty(etag)
            ? throw new ArgumentException("A replace needs the ETag read; use TryCreateAsync for a new item.", nameof(etag))
            : dapr.TrySaveStateAsync(StoreName, key, value, etag, FirstWrite, Metadata(timeToLive), cancellationToken);

    /// <summary>Creates (empty <paramref name="etag"/>) or replaces; false when someone else wrote first.</summary>
    public Task<bool> TrySaveAsync(string key, T value, string etag, CancellationToken cancellationToken, TimeSpan? timeToLive = null) =>
        string.IsNullOrEmpty(etag)
            ? TryCreateAsync(key, value, cancellationToken, timeToLive)
            : TryReplaceAsync(key, value, etag, cancellationToken, timeToLive);

    /// <summary>
    /// Writes the item and, if its change emits one, the event, in two steps: a compare-and-swap of the item alone
    /// (atomic on every store), then, only for its winner, the event through the outbox (<see cref="PublishAsync"/>).
    /// One transaction with both would, on a store without rollback (Redis), publish a losing writer's event too. False
    /// when someone else wrote first (nothing published). A failure after the first step throws with the item saved:
    /// the event is then re-emitted from the item on its next touch (<see cref="EnsurePublishedAsync"/>), so an item
    /// whose change emits an event must carry what rebuilds that event (same id, same content).
    /// </summary>
    public async Task<bool> TryCommitAsync(string key, T value, string etag, IntegrationEvent? @event, CancellationToken cancellationToken)
    {
        if (!await TrySaveAsync(key, value, etag, cancellationToken))
        {
            return false;
        }
        if (@event is not null)
        {
            await PublishAsync(key, @event, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// Creates the item together with the event of its creation in one outbox transaction: all or nothing where it
    /// matters to a caller (a refused hand-off saves nothing). Only for a creation whose every competing writer is a
    /// repeat of itself (same key, same event id): a create loses only to such a repeat, so the event a losing create
    /// may still let out on a store without rollback (Redis) is a duplicate consumers drop, never a contradiction.
    /// Any other change goes through <see cref="TryCommitAsync"/>. False when the item already exists.
    /// </summary>
    public async Task<bool> TryCreateWithEventAsync(string key, T value, IntegrationEvent @event, CancellationToken cancellationToken)
    {
        try
        {
            await DaprOutbox.CommitAsync(dapr, StoreName, key, value, @event, cancellationToken);
            return true;
        }
        catch (DaprException ex) when (IsAmbiguous(ex))
        {
            // Any error inside a transaction (an existing key, a failing store, a refused hand-off) is Internal.
            return await ExistsAsync(key, cancellationToken)
                ? false
                : throw Unavailable($"could not create '{key}' with its {@event.Type} (store or broker unavailable); nothing was saved", ex);
        }
    }

    /// <summary>
    /// Publishes <paramref name="event"/> of the item <paramref name="key"/> through the store's outbox, recording it
    /// under <see cref="EventKey"/>. Idempotent: publishing again sends the same event id, which consumers dedupe.
    /// </summary>
    public async Task PublishAsync(string key, IntegrationEvent @event, CancellationToken cancellationToken)
    {
        try
        {
            await DaprOutbox.PublishAsync(dapr, StoreName, EventKey(key, @event), @event, cancellationToken);
        }
        catch (DaprException ex) when (IsAmbiguous(ex))
        {
            throw Unavailable($"could not publish {@event.Type} {@event.EventId} of '{key}' (store or broker unavailable); it is re-emitted on the item's next touch", ex);
        }
    }

    /// <summary>
    /// Publishes <paramref name="event"/> unless its outbox transaction already committed: re-emission after a failure
    /// between the two steps of <see cref="TryCommitAsync"/>. True when it had to publish. A change younger than
    /// <see cref="InFlightPublish"/> (by the event's <c>OccurredAt</c>, the time of the change) may still be publishing
    /// its event, so its key is awaited that long before a duplicate is sent.
    /// </summary>
    public async Task<bool> EnsurePublishedAsync(string key, IntegrationEvent @event, CancellationToken cancellationToken)
    {
        var eventKey = EventKey(key, @event);
        var now = DateTimeOffset.UtcNow;
        var waitUntil = (@event.OccurredAt < now ? @event.OccurredAt : now) + InFlightPublish;
        while (!await ExistsAsync(eventKey, cancellationToken))
        {
            if (DateTimeOffset.UtcNow >= waitUntil)
            {
                await PublishAsync(key, @event, cancellationToken);
                return true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        return false;
    }

    /// <summary>How long the event of a fresh change may take to commit: one outbox transaction under the outbox policy of the shipped Resiliency (3 × 2 s with back-off).</summary>
    public static readonly TimeSpan InFlightPublish = TimeSpan.FromSeconds(5);

    /// <summary>The key an item's event is committed under: one per event id, so a re-emission rewrites the same key.</summary>
    public static string EventKey(string key, IntegrationEvent @event) => $"{key}-event-{@event.EventId:N}";

    /// <summary>Deletes the item if it still has <paramref name="etag"/>; false when it changed meanwhile.</summary>
    public Task<bool> TryDeleteAsync(string key, string etag, CancellationToken cancellationToken) =>
        dapr.TryDeleteStateAsync(StoreName, key, etag, FirstWrite, cancellationToken: cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        dapr.DeleteStateAsync(StoreName, key, cancellationToken: cancellationToken);

    /// <summary>
    /// Read → <paramref name="decide"/> → write with the ETag read. <paramref name="decide"/> sees the current item
    /// (null when absent) and answers the result plus what to write (null: nothing). A lost race starts over from a
    /// fresh read, at most <see cref="ConcurrencyRetry.MaxRetries"/> times; then <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    public Task<TResult> UpdateAsync<TResult>(
        string key, Func<T?, (TResult Result, T? Write)> decide, ConcurrencyRetry retry, CancellationToken cancellationToken, TimeSpan? timeToLive = null) =>
        UpdateAsync(key, current => decide(current) is var (result, write) ? (result, write, (IntegrationEvent?)null) : default,
            retry, cancellationToken, timeToLive);

    /// <summary>As <see cref="UpdateAsync{TResult}(string, Func{T, ValueTuple{TResult, T}}, ConcurrencyRetry, CancellationToken, TimeSpan?)"/>, with the event the write emits (outbox).</summary>
    public Task<TResult> UpdateAsync<TResult>(
        string key, Func<T?, (TResult Result, T? Write, IntegrationEvent? Event)> decide, ConcurrencyRetry retry, CancellationToken cancellationToken,
        TimeSpan? timeToLive = null) =>
        retry.ExecuteAsync(async token =>
        {
            var turn = TurnOf(key);
            var mine = await turn.WaitAsync(LongestTurnWait, token);
            try
            {
                var (current, etag) = await GetWithETagAsync(key, token);
                var (result, write, @event) = decide(current);
                if (write is null)
                {
                    return result;
                }
                var saved = @event is null
                    ? await TrySaveAsync(key, write, etag, token, timeToLive)
                    : await TryCommitAsync(key, write, etag, @event, token);
                return saved ? result : throw new ConcurrencyConflictException($"'{key}' in {StoreName} kept changing underneath this request.");
            }
            finally
            {
                if (mine)
                {
                    turn.Release();
                }
            }
        }, cancellationToken);

    // Updates of one key through one sidecar client (one process in production) take turns: read → decide → write,
    // nothing else inside. Racing them only made ETag conflicts, and daprd's store breaker counts every conflict as a
    // failure: a burst of them opened notification's and ordering's store breakers in a flash sale, failing every
    // call for 15 s (docs/performance.md). Turns are an economy, not a lock anything relies on: other replicas still
    // race and the ETag still decides, and an update that waited LongestTurnWait goes ahead and races as before.
    // Keys share a fixed set of turns, so nothing grows with the keys.
    private static readonly ConditionalWeakTable<DaprClient, SemaphoreSlim[]> TurnsByClient = new();
    private static readonly TimeSpan LongestTurnWait = TimeSpan.FromSeconds(2);

    private SemaphoreSlim TurnOf(string key)
    {
        var turns = TurnsByClient.GetValue(dapr, _ => [.. Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1))]);
        return turns[(uint)HashCode.Combine(StoreName, key) % (uint)turns.Length];
    }

    /// <summary>The item metadata of a write with a time to live (<c>ttlInSeconds</c>, at least 1).</summary>
    public static IReadOnlyDictionary<string, string>? Metadata(TimeSpan? timeToLive) => timeToLive is { } ttl
        ? new Dictionary<string, string> { ["ttlInSeconds"] = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds)).ToString(CultureInfo.InvariantCulture) }
        : null;

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        !(await dapr.GetByteStateAsync(StoreName, key, cancellationToken: cancellationToken)).IsEmpty;

    // A status that can hide a lost race; InvalidArgument, NotFound or Unauthenticated name a defect and are rethrown.
    private static bool IsAmbiguous(DaprException ex) =>
        ex.InnerException is RpcException { StatusCode: StatusCode.Internal or StatusCode.Aborted or StatusCode.Unknown };

    private DependencyUnavailableException Unavailable(string what, Exception inner) =>
        new($"State store {StoreName} {what}.", inner);
}

/// <summary>
/// How often and how patiently a lost compare-and-swap is retried: exponential back-off with jitter, so racing
/// writers spread out instead of colliding again. <paramref name="onRetry"/> counts retries (metrics).
/// </summary>
public sealed class ConcurrencyRetry(int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay, Action? onRetry = null)
{
    public int MaxRetries { get; } = maxRetries;

    public static ConcurrencyRetry Attempts(int maxRetries, Action? onRetry = null) =>
        new(maxRetries, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(250), onRetry);

    /// <summary>Runs <paramref name="work"/>, again from the start each time it throws <see cref="ConcurrencyConflictException"/>.</summary>
    public Task ExecuteAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        Pipeline.ExecuteAsync(async token => await work(token), cancellationToken).AsTask();

    /// <inheritdoc cref="ExecuteAsync(Func{CancellationToken, Task}, CancellationToken)"/>
    public Task<TResult> ExecuteAsync<TResult>(Func<CancellationToken, Task<TResult>> work, CancellationToken cancellationToken) =>
        Pipeline.ExecuteAsync(async token => await work(token), cancellationToken).AsTask();

    private ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ConcurrencyConflictException>(),
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = baseDelay,
            MaxDelay = maxDelay,
            OnRetry = _ =>
            {
                onRetry?.Invoke();
                return ValueTask.CompletedTask;
            },
        })
        .Build();
}

/// <summary>
/// The one conflict type: an item kept changing underneath a request even after the bounded retries of
/// <see cref="DaprState{T}.UpdateAsync{TResult}"/>. Contention passes, so it is answered 503 with Retry-After, and a
/// subscription that throws it gets its event redelivered later.
/// </summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);
