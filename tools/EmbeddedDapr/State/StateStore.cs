using System.Globalization;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Resources;

namespace Flipkart.EmbeddedDapr.State;

/// <summary>
/// A loaded state component: daprd's key-prefix rules plus the ETag/TTL/transaction semantics of its
/// <c>spec.type</c>, over a cluster-wide <see cref="InMemoryStateBackend"/>.
/// </summary>
public sealed class StateStore
{
    private const string Separator = "||";
    private static long xminCounter = 1000;
    private readonly string prefixStrategy;

    internal StateStore(ComponentDefinition component, StateStoreBehavior behavior, InMemoryStateBackend backend)
    {
        Component = component;
        Behavior = behavior;
        Backend = backend;
        prefixStrategy = (component.GetMetadata("keyPrefix") ?? "appid").ToLowerInvariant();
        if (prefixStrategy.Contains(Separator, StringComparison.Ordinal))
        {
            throw new DaprResourceException(
                $"[INIT_COMPONENT_FAILURE]: initialization error occurred for {component.Name} ({component.Type}/{component.Version}): input key/keyPrefix '{prefixStrategy}' can't contain '||'");
        }
        IsActorStateStore = component.GetBool("actorStateStore");
    }

    public string Name => Component.Name;
    public ComponentDefinition Component { get; }
    public StateStoreBehavior Behavior { get; }
    public InMemoryStateBackend Backend { get; }
    public bool IsActorStateStore { get; }

    /// <summary>daprd's <c>GetModifiedStateKey</c>: rejects <c>||</c>, then applies the <c>keyPrefix</c> strategy.</summary>
    public string ToStoreKey(string key, string appId)
    {
        if (key.Contains(Separator, StringComparison.Ordinal))
        {
            throw DaprErrors.IllegalKey(Name, key);
        }
        return prefixStrategy switch
        {
            "none" => key,
            "name" => $"{Name}{Separator}{key}",
            "appid" => appId.Length == 0 ? key : $"{appId}{Separator}{key}",
            "namespace" => Environment.GetEnvironmentVariable("NAMESPACE") is { Length: > 0 } ns
                ? $"{ns}.{appId}{Separator}{key}"
                : appId.Length == 0 ? key : $"{appId}{Separator}{key}",
            _ => $"{prefixStrategy}{Separator}{key}",
        };
    }

    /// <summary>daprd's <c>GetOriginalStateKey</c>: the second <c>||</c> segment, or the key itself.</summary>
    public static string FromStoreKey(string storeKey)
    {
        var parts = storeKey.Split(Separator);
        return parts.Length > 1 ? parts[1] : storeKey;
    }

    public StateReadResult Get(string storeKey)
    {
        lock (Backend.Gate)
        {
            var item = Backend.Live(storeKey);
            return item is null
                ? new StateReadResult(null, "", null)
                : new StateReadResult(item.Data, Behavior.SupportsEtag ? item.ETag : "", item.ExpiresAt);
        }
    }

    public void Set(StateUpsert op)
    {
        lock (Backend.Gate)
        {
            ApplySet(op);
        }
    }

    public void Delete(StateDelete op)
    {
        lock (Backend.Gate)
        {
            ApplyDelete(op);
        }
    }

    /// <summary>
    /// Executes a transaction. Atomic for in-memory/SQL/Mongo types (any failure restores the touched keys);
    /// Redis-typed stores apply every operation like MULTI/EXEC and report the first failure without rollback.
    /// </summary>
    public void Multi(IReadOnlyList<StateOperation> operations)
    {
        lock (Backend.Gate)
        {
            if (!Behavior.AtomicTransactions)
            {
                // The Redis component parses every upsert's ETag while building the pipeline, before EXEC: an invalid
                // one fails the transaction with nothing applied. Failures inside EXEC undo nothing.
                foreach (var upsert in operations.OfType<StateUpsert>())
                {
                    ParseRedisVersion(upsert);
                }
                StateStoreException? first = null;
                foreach (var op in operations)
                {
                    try
                    {
                        Apply(op);
                    }
                    catch (StateStoreException ex)
                    {
                        first ??= ex;
                    }
                }
                if (first is not null)
                {
                    throw first;
                }
                return;
            }

            var snapshot = operations.Select(o => o.Key).Distinct()
                .ToDictionary(k => k, k => Backend.Items.TryGetValue(k, out var v) ? v : null);
            try
            {
                foreach (var op in operations)
                {
                    Apply(op);
                }
            }
            catch
            {
                foreach (var (key, item) in snapshot)
                {
                    if (item is null)
                    {
                        Backend.Items.Remove(key);
                    }
                    else
                    {
                        Backend.Items[key] = item;
                    }
                }
                throw;
            }
        }
    }

    private void Apply(StateOperation op)
    {
        switch (op)
        {
            case StateUpsert upsert:
                ApplySet(upsert);
                break;
            case StateDelete delete:
                ApplyDelete(delete);
                break;
        }
    }

    private void ApplySet(StateUpsert op)
    {
        var existing = Backend.Live(op.Key);
        var expiresAt = ComputeExpiry(op, existing);
        switch (Behavior.Etag)
        {
            case EtagStyle.None:
                Backend.Items[op.Key] = new StoredItem(op.Value, "", 0, expiresAt, false);
                return;

            case EtagStyle.Counter:
            {
                var version = ParseRedisVersion(op);
                if (op.Concurrency == StateConcurrency.LastWrite)
                {
                    version = 0;
                }
                // The Redis script: write when the key is absent, the version matches, or no ETag was given and
                // the key was not created under first-write.
                var ok = existing is null || existing.Version == version || (version == 0 && !existing.FirstWriteMarker);
                if (!ok)
                {
                    throw op.HasETag
                        ? new StateStoreException(StateErrorKind.EtagMismatch, $"failed to set key {op.Key}")
                        : new StateStoreException(StateErrorKind.Other, $"failed to set key {op.Key}");
                }
                var next = (existing?.Version ?? 0) + 1;
                Backend.Items[op.Key] = new StoredItem(op.Value, next.ToString(CultureInfo.InvariantCulture), next, expiresAt,
                    (existing?.FirstWriteMarker ?? false) || op.Concurrency == StateConcurrency.FirstWrite);
                return;
            }

            case EtagStyle.Uuid:
            case EtagStyle.Xmin:
            {
                CheckSqlOrInMemoryEtag(op, existing, "set");
                var etag = Behavior.Etag == EtagStyle.Uuid
                    ? Guid.NewGuid().ToString()
                    : ((uint)Interlocked.Increment(ref xminCounter)).ToString(CultureInfo.InvariantCulture);
                Backend.Items[op.Key] = new StoredItem(op.Value, etag, (existing?.Version ?? 0) + 1, expiresAt, false);
                return;
            }
        }
    }

    private void ApplyDelete(StateDelete op)
    {
        var existing = Backend.Live(op.Key);
        switch (Behavior.Etag)
        {
            case EtagStyle.None:
                break;

            case EtagStyle.Counter:
            {
                var version = ParseRedisVersion(op);
                if (op.Concurrency == StateConcurrency.LastWrite)
                {
                    version = 0;
                }
                if (existing is not null && version != 0 && existing.Version != version)
                {
                    throw new StateStoreException(StateErrorKind.EtagMismatch, $"failed to delete {op.Key}");
                }
                break;
            }

            default:
                CheckSqlOrInMemoryEtag(op, existing, "delete");
                break;
        }
        Backend.Items.Remove(op.Key);
    }

    private void CheckSqlOrInMemoryEtag(StateOperation op, StoredItem? existing, string verb)
    {
        if (op.HasETag && Behavior.Etag == EtagStyle.Xmin && !uint.TryParse(op.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new StateStoreException(StateErrorKind.EtagInvalid, $"strconv.ParseUint: parsing \"{op.ETag}\": invalid syntax");
        }
        if (Behavior.StrictInMemoryChecks)
        {
            // state.in-memory validates first-write for deletes too, and checks ETags even under last-write.
            if (op.Concurrency == StateConcurrency.FirstWrite && !op.HasETag)
            {
                if (existing is not null)
                {
                    throw new StateStoreException(StateErrorKind.EtagMismatch, "item already exists and no etag was passed");
                }
            }
            else if (op.HasETag)
            {
                if (existing is null)
                {
                    throw new StateStoreException(StateErrorKind.EtagMismatch, "item does not exist");
                }
                if (op.ETag != existing.ETag)
                {
                    throw new StateStoreException(StateErrorKind.EtagMismatch, "etag does not match");
                }
            }
            return;
        }

        if (op.HasETag)
        {
            if (existing is null || op.ETag != existing.ETag)
            {
                throw new StateStoreException(StateErrorKind.EtagMismatch,
                    verb == "set" ? "no item was updated" : "no item was deleted");
            }
        }
        else if (verb == "set" && op.Concurrency == StateConcurrency.FirstWrite && existing is not null)
        {
            // First-write without ETag inserts only if absent. MySQL (rows affected 0) and MongoDB (duplicate key)
            // report an ETag mismatch (Aborted); PostgreSQL a plain failure (Internal). contrib v1.18.4.
            throw Behavior.Type is "state.mysql" or "state.mongodb"
                ? new StateStoreException(StateErrorKind.EtagMismatch, "rows affected error: no rows match given key and eTag")
                : new StateStoreException(StateErrorKind.Other, "no item was updated");
        }
    }

    private static long ParseRedisVersion(StateOperation op)
    {
        if (!op.HasETag)
        {
            return 0;
        }
        return long.TryParse(op.ETag, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new StateStoreException(StateErrorKind.EtagInvalid, $"strconv.Atoi: parsing \"{op.ETag}\": invalid syntax");
    }

    private DateTimeOffset? ComputeExpiry(StateUpsert op, StoredItem? existing)
    {
        if (!Behavior.Ttl)
        {
            return null;
        }
        var raw = op.Metadata.TryGetValue("ttlInSeconds", out var v) ? v : null;
        if (raw is null && Behavior.IsRedisLike)
        {
            raw = Component.GetMetadata("ttlInSeconds");
        }
        if (raw is null)
        {
            // Redis HSET keeps an existing EXPIRE; the other stores write a row without expiry.
            return Behavior.IsRedisLike ? existing?.ExpiresAt : null;
        }
        if (!long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new StateStoreException(StateErrorKind.Other,
                $"failed to parse ttlInSeconds: strconv.ParseInt: parsing \"{raw}\": invalid syntax");
        }
        return seconds > 0 ? Backend.Time.GetUtcNow().AddSeconds(seconds) : null;
    }
}
