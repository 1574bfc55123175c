namespace Flipkart.EmbeddedDapr.State;

/// <summary>Concurrency strings as daprd hands them to stores.</summary>
public static class StateConcurrency
{
    public const string Unspecified = "";
    public const string FirstWrite = "first-write";
    public const string LastWrite = "last-write";
}

/// <summary>An operation on already-prefixed store keys.</summary>
public abstract record StateOperation(string Key, string? ETag, string Concurrency, IReadOnlyDictionary<string, string> Metadata)
{
    public bool HasETag => !string.IsNullOrEmpty(ETag);
}

public sealed record StateUpsert(string Key, byte[] Value, string? ETag, string Concurrency, IReadOnlyDictionary<string, string> Metadata)
    : StateOperation(Key, ETag, Concurrency, Metadata);

public sealed record StateDelete(string Key, string? ETag, string Concurrency, IReadOnlyDictionary<string, string> Metadata)
    : StateOperation(Key, ETag, Concurrency, Metadata);

/// <summary>What a read returns: <c>Data</c> null when the key is absent (or expired).</summary>
public sealed record StateReadResult(byte[]? Data, string ETag, DateTimeOffset? ExpiresAt)
{
    public bool Found => Data is not null;
}

public enum StateErrorKind
{
    EtagMismatch,
    EtagInvalid,
    Other,
}

/// <summary>A store-level failure; daprd maps mismatch → Aborted/409, invalid → InvalidArgument/400, else Internal/500.</summary>
public sealed class StateStoreException(StateErrorKind kind, string detail) : Exception(Format(kind, detail))
{
    public StateErrorKind Kind { get; } = kind;

    private static string Format(StateErrorKind kind, string detail) => kind switch
    {
        StateErrorKind.EtagMismatch => detail.Length > 0 ? $"possible etag mismatch. error from state store: {detail}" : "possible etag mismatch. error from state store",
        StateErrorKind.EtagInvalid => detail.Length > 0 ? $"invalid etag value: {detail}" : "invalid etag value",
        _ => detail,
    };
}
