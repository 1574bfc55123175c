namespace Flipkart.EmbeddedDapr.State;

/// <summary>How a store type formats ETags (see the capability table in the README).</summary>
public enum EtagStyle
{
    /// <summary>No ETag support: ETags are ignored, reads return <c>""</c> (state.cassandra).</summary>
    None,

    /// <summary>A fresh UUID per write; any non-matching string is a mismatch, never "invalid".</summary>
    Uuid,

    /// <summary>Redis' integer <c>version</c> field; non-integers are invalid.</summary>
    Counter,

    /// <summary>PostgreSQL v1 <c>xmin</c>: a uint32 as decimal; non-uint32 is invalid.</summary>
    Xmin,
}

/// <summary>The observable semantics of one state component type, applied to the shared in-memory data.</summary>
public sealed record StateStoreBehavior(
    string Type,
    EtagStyle Etag,
    bool Transactional,
    bool AtomicTransactions,
    bool Ttl,
    bool StrictInMemoryChecks,
    IReadOnlyList<string> Features)
{
    /// <summary>Redis accepts an ETag for a missing key and ignores ETags under last-write.</summary>
    public bool IsRedisLike => Etag == EtagStyle.Counter;

    public bool SupportsEtag => Etag != EtagStyle.None;

    /// <summary>daprd appends ACTOR when a store has both ETAG and TRANSACTIONAL.</summary>
    public IReadOnlyList<string> ReportedCapabilities =>
        SupportsEtag && Transactional ? [.. Features, "ACTOR"] : Features;

    public static StateStoreBehavior? For(string type, string version) => (type, version) switch
    {
        ("state.in-memory", "v1") => new(type, EtagStyle.Uuid, true, true, true, true,
            ["ETAG", "TRANSACTIONAL", "TTL", "DELETE_WITH_PREFIX", "KEYS_LIKE"]),
        ("state.redis", "v1") => new(type, EtagStyle.Counter, true, false, true, false,
            ["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE"]),
        ("state.mysql", "v1") => new(type, EtagStyle.Uuid, true, true, true, false,
            ["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE"]),
        ("state.postgresql", "v1") => new(type, EtagStyle.Xmin, true, true, true, false,
            ["ETAG", "TRANSACTIONAL", "TTL", "QUERY_API", "KEYS_LIKE"]),
        ("state.postgresql", "v2") => new(type, EtagStyle.Uuid, true, true, true, false,
            ["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE"]),
        ("state.mongodb", "v1") => new(type, EtagStyle.Uuid, true, true, true, false,
            ["ETAG", "TRANSACTIONAL", "TTL", "QUERY_API", "KEYS_LIKE"]),
        ("state.cassandra", "v1") => new(type, EtagStyle.None, false, false, true, false, ["TTL"]),
        _ => null,
    };
}
