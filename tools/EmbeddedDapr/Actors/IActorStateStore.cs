namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>One stored actor state value with its ETag and store metadata (e.g. <c>ttlExpireTime</c>).</summary>
public sealed record ActorStateItem(byte[] Data, string? ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>An upsert (<see cref="Value"/> set) or delete (<see cref="Value"/> null) on a fully built store key.</summary>
public sealed record ActorStateOperation(string Key, byte[]? Value, string? ETag, IReadOnlyDictionary<string, string> Metadata)
{
    public bool IsDelete => Value is null;
}

/// <summary>
/// What the actor subsystem needs from the state store flagged <c>actorStateStore: "true"</c>. Keys arrive
/// already built (<c>&lt;appId&gt;||&lt;type&gt;||&lt;id&gt;||&lt;key&gt;</c>), so the store must not prefix them again.
/// </summary>
public interface IActorStateStore
{
    string Name { get; }

    /// <summary>daprd requires both ETag and transaction support of the actor state store.</summary>
    bool SupportsETagAndTransactions { get; }

    Task<ActorStateItem?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Applies all operations atomically; throws when an ETag does not match (nothing applied).</summary>
    Task ExecuteAsync(IReadOnlyList<ActorStateOperation> operations, CancellationToken cancellationToken);
}
