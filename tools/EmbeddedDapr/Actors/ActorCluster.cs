using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flipkart.EmbeddedDapr.Actors;

public sealed class ActorClusterOptions
{
    /// <summary>
    /// Lookups of a type no host has registered are retried like daprd's built-in
    /// <c>DaprBuiltInActorNotFoundRetries</c> policy (constant 1 s, 5 retries). Tests shorten the interval.
    /// </summary>
    public int LookupRetries { get; set; } = 5;

    public TimeSpan LookupRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// daprd's actor runtime probes its app's <c>/healthz</c> on its own (independent of app health checks): every
    /// 5 s while healthy, every 0.5 s once unhealthy, 2 s per probe; 4 failures in a row take the sidecar out of
    /// placement, and the first answer afterwards puts it back. Real time, not <see cref="ActorCluster.Time"/>.
    /// </summary>
    public TimeSpan AppHealthInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan AppUnhealthyInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan AppHealthTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public int AppHealthFailureThreshold { get; set; } = 4;
}

/// <summary>
/// The actor runtime shared by every sidecar of one cluster, standing in for placement and the scheduler:
/// hosts register the types their apps report, an actor id is activated on one replica of a hosting app
/// (round-robin across replicas, then sticky), calls to it take turns, and timers, reminders and idle
/// deactivation run on the cluster's <see cref="TimeProvider"/>.
/// </summary>
public sealed class ActorCluster : IDisposable
{
    private readonly Lock gate = new();
    private readonly List<ActorReplica> hosts = [];
    private readonly Dictionary<ActorKey, ActiveActor> placement = [];
    private readonly Dictionary<string, int> roundRobin = new(StringComparer.Ordinal);
    private readonly ILogger logger;

    public ActorCluster(TimeProvider time, ActorClusterOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        Time = time;
        Options = options ?? new ActorClusterOptions();
        Scheduler = new ActorScheduler(time);
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Flipkart.EmbeddedDapr.Actors");
        Callbacks = new ActorCallbacks(this, logger);
    }

    public TimeProvider Time { get; }

    public ActorClusterOptions Options { get; }

    public ActorScheduler Scheduler { get; }

    internal ActorCallbacks Callbacks { get; }

    public IReadOnlyList<ActorReplica> Hosts
    {
        get
        {
            lock (gate)
            {
                return hosts.ToList();
            }
        }
    }

    public bool IsTypeHosted(string actorType)
    {
        lock (gate)
        {
            return hosts.Exists(h => h.Hosts(actorType));
        }
    }

    /// <summary>
    /// Registers a replica once its app reported its actor types; reminders persisted for those types are read
    /// back and any reminder that came due while no host was up fires now.
    /// </summary>
    public async Task AddHostAsync(ActorReplica host, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            hosts.Add(host);
        }

        await Callbacks.LoadRemindersAsync(host, cancellationToken).ConfigureAwait(false);
        Callbacks.ReleasePendingReminders();
    }

    /// <summary>The replica's app went away: its actors are dropped without a deactivation call (nothing to call).</summary>
    public void RemoveHost(ActorReplica host)
    {
        List<ActiveActor> dropped;
        lock (gate)
        {
            host.Removed = true;
            hosts.Remove(host);
            dropped = placement.Values.Where(a => a.Host == host).ToList();
            foreach (var actor in dropped)
            {
                placement.Remove(actor.Key);
            }
        }

        foreach (var actor in dropped)
        {
            Retire(actor);
        }
    }

    /// <summary>Active instance count per actor type across all hosts.</summary>
    public int ActiveActorCount(string actorType)
    {
        lock (gate)
        {
            return placement.Keys.Count(k => k.Type == actorType);
        }
    }

    private ActiveActor? TryPlace(ActorKey key)
    {
        lock (gate)
        {
            if (placement.TryGetValue(key, out var existing) && !existing.Deactivated)
            {
                return existing;
            }

            var candidates = hosts.Where(h => h.Hosts(key.Type)).ToList();
            if (candidates.Count == 0)
            {
                return null;
            }

            roundRobin.TryGetValue(key.Type, out var next);
            roundRobin[key.Type] = next + 1;
            var host = candidates[next % candidates.Count];
            var actor = new ActiveActor(host, key, host.Types[key.Type]);
            actor.Touch(Time.GetUtcNow());
            placement[key] = actor;
            host.Active[key] = actor;
            ScheduleIdleCheck(actor, actor.IdleAt);
            return actor;
        }
    }

    /// <summary>Finds or activates the actor; with <paramref name="retry"/> waits for a host like daprd's lookup retries.</summary>
    internal async Task<ActiveActor?> ResolveAsync(ActorKey key, bool retry, CancellationToken cancellationToken)
    {
        var attempts = retry ? Options.LookupRetries + 1 : 1;
        for (var attempt = 1; ; attempt++)
        {
            if (TryPlace(key) is { } actor)
            {
                return actor;
            }

            if (attempt >= attempts)
            {
                return null;
            }

            await Task.Delay(Options.LookupRetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends one turn's request to the actor's app: waits for the turn (reentrancy-aware), restarts the idle
    /// clock and forwards the request with PUT to <c>/actors/{type}/{id}/{appPath}</c>. Returns null when no
    /// host serves the type.
    /// </summary>
    internal async Task<ActorAppResponse?> CallAsync(
        ActorKey key,
        string appPath,
        Func<HttpRequestMessage> buildRequest,
        string? reentrancyId,
        bool retryLookup,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var actor = await ResolveAsync(key, retryLookup, cancellationToken).ConfigureAwait(false);
            if (actor is null)
            {
                return null;
            }

            var request = buildRequest();
            string? lockId = null;
            if (actor.Settings.ReentrancyEnabled)
            {
                // daprd generates the chain id when the caller sent none and forwards it to the app, which copies
                // it onto the calls the actor makes, so those can re-enter.
                lockId = reentrancyId ?? Guid.NewGuid().ToString();
                request.Headers.Remove(ActorHeaders.ReentrancyId);
                request.Headers.TryAddWithoutValidation(ActorHeaders.ReentrancyId, lockId);
            }

            ActorTurnLock.Turn turn;
            try
            {
                turn = await actor.Lock.EnterAsync(lockId, cancellationToken).ConfigureAwait(false);
            }
            catch (ActorDeactivatedException)
            {
                request.Dispose();
                continue;
            }

            using (turn)
            {
                if (actor.Deactivated)
                {
                    request.Dispose();
                    continue;
                }

                actor.Touch(Time.GetUtcNow());
                request.Method = HttpMethod.Put;
                request.RequestUri = new Uri(
                    $"actors/{Uri.EscapeDataString(key.Type)}/{Uri.EscapeDataString(key.Id)}/{appPath}",
                    UriKind.Relative);
                using (request)
                {
                    using var response = await actor.Host.AppChannel.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    return ActorAppResponse.From(response, body);
                }
            }
        }
    }

    private void ScheduleIdleCheck(ActiveActor actor, DateTimeOffset at) =>
        actor.IdleCheck = Scheduler.Schedule(at, () => CheckIdleAsync(actor));

    private async Task CheckIdleAsync(ActiveActor actor)
    {
        if (actor.Deactivated)
        {
            return;
        }

        if (actor.IdleAt > Time.GetUtcNow())
        {
            ScheduleIdleCheck(actor, actor.IdleAt);
            return;
        }

        ActorTurnLock.Turn turn;
        try
        {
            turn = await actor.Lock.EnterAsync(null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ActorDeactivatedException)
        {
            return;
        }

        using (turn)
        {
            if (actor.Deactivated)
            {
                return;
            }

            if (actor.IdleAt > Time.GetUtcNow())
            {
                // A call took a turn while this check waited for it.
                ScheduleIdleCheck(actor, actor.IdleAt);
                return;
            }

            lock (gate)
            {
                if (placement.TryGetValue(actor.Key, out var placed) && placed == actor)
                {
                    placement.Remove(actor.Key);
                }
            }

            Retire(actor);
            try
            {
                using var request = new HttpRequestMessage(
                    HttpMethod.Delete,
                    new Uri($"actors/{Uri.EscapeDataString(actor.Key.Type)}/{Uri.EscapeDataString(actor.Key.Id)}", UriKind.Relative));
                using var response = await actor.Host.AppChannel.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    logger.LogWarning("Deactivating actor {Actor} returned {Status}", actor.Key, (int)response.StatusCode);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ObjectDisposedException)
            {
                logger.LogWarning(ex, "Deactivating actor {Actor} failed", actor.Key);
            }
        }
    }

    /// <summary>Removes the instance from its host, fails queued callers over to a fresh activation, drops its timers.</summary>
    private void Retire(ActiveActor actor)
    {
        actor.Deactivated = true;
        actor.Host.Active.TryRemove(actor.Key, out _);
        actor.IdleCheck?.Dispose();
        actor.Lock.Close();
        Callbacks.RemoveTimersOf(actor.Key);
    }

    public void Dispose() => Scheduler.Dispose();
}

/// <summary>The app's answer to one actor call, buffered.</summary>
internal sealed record ActorAppResponse(int StatusCode, IReadOnlyList<KeyValuePair<string, string[]>> Headers, string? ContentType, byte[] Body)
{
    public static ActorAppResponse From(HttpResponseMessage response, byte[] body) =>
        new(
            (int)response.StatusCode,
            response.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToArray())).ToList(),
            response.Content.Headers.ContentType?.ToString(),
            body);

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
}

public static class ActorHeaders
{
    public const string ReentrancyId = "Dapr-Reentrancy-Id";
    public const string ErrorResponse = "X-DaprErrorResponseHeader";
    public const string ReminderCancel = "X-DaprReminderCancel";
}
