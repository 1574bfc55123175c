using System.Collections.Concurrent;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>An actor instance address: type and id (daprd's <c>type||id</c>).</summary>
public readonly record struct ActorKey(string Type, string Id)
{
    public override string ToString() => Type + "||" + Id;
}

/// <summary>
/// One app replica that hosts actors: the app channel of its sidecar, the actor types it registered through
/// <c>GET /dapr/config</c>, and the actor instances currently active on it.
/// </summary>
public sealed class ActorReplica
{
    private static long nextHostNumber;

    public ActorReplica(string appId, HttpClient appChannel, IReadOnlyDictionary<string, ActorTypeSettings> types, IActorStateStore? stateStore)
    {
        AppId = appId;
        HostId = appId + "#" + Interlocked.Increment(ref nextHostNumber);
        AppChannel = appChannel;
        Types = types;
        StateStore = stateStore;
    }

    public string AppId { get; }

    /// <summary>Unique per registration, so a restarted replica is a new host.</summary>
    public string HostId { get; }

    /// <summary>Client for calls into the app (base address = the app; the app pipeline applied).</summary>
    public HttpClient AppChannel { get; }

    public IReadOnlyDictionary<string, ActorTypeSettings> Types { get; }

    /// <summary>The actor state store of this replica's sidecar; reminders of its types are persisted there.</summary>
    public IActorStateStore? StateStore { get; }

    internal ConcurrentDictionary<ActorKey, ActiveActor> Active { get; } = new();

    internal volatile bool Removed;

    public bool Hosts(string actorType) => Types.ContainsKey(actorType);

    public bool IsActive(ActorKey key) => Active.TryGetValue(key, out var actor) && !actor.Deactivated;

    /// <summary>Active instance counts per hosted type (types without instances report 0), for GetMetadata.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> ActiveActorCounts()
    {
        var counts = Types.Keys.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        foreach (var key in Active.Keys)
        {
            if (counts.TryGetValue(key.Type, out var count))
            {
                counts[key.Type] = count + 1;
            }
        }

        return counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
    }
}

/// <summary>An activated actor on its host: the turn lock and the idle clock.</summary>
internal sealed class ActiveActor(ActorReplica host, ActorKey key, ActorTypeSettings settings)
{
    private long idleAtTicks;

    public ActorReplica Host { get; } = host;

    public ActorKey Key { get; } = key;

    public ActorTypeSettings Settings { get; } = settings;

    public ActorTurnLock Lock { get; } = new(settings.ReentrancyEnabled, settings.MaxStackDepth);

    public volatile bool Deactivated;

    public IDisposable? IdleCheck { get; set; }

    public DateTimeOffset IdleAt => new(Interlocked.Read(ref idleAtTicks), TimeSpan.Zero);

    /// <summary>daprd restarts the idle clock when a call, timer or reminder acquires the turn.</summary>
    public void Touch(DateTimeOffset now) => Interlocked.Exchange(ref idleAtTicks, (now + Settings.IdleTimeout).UtcTicks);
}
