namespace Flipkart.Ordering.Domain;

public enum IdempotencyState
{
    InFlight,
    Completed,
}

/// <summary>
/// What the server remembers about one Idempotency-Key: a fingerprint of the first request and, once it
/// finished, the response to replay. An in-flight record carries a lease so a crashed request does not
/// block its key for the whole retention period.
/// </summary>
public sealed record IdempotencyRecord(
    Guid ClaimId,
    string Fingerprint,
    IdempotencyState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LeaseExpiresAt,
    DateTimeOffset ExpiresAt,
    int? StatusCode = null,
    string? ResponseBody = null,
    string? Location = null)
{
    public static IdempotencyRecord Begin(string fingerprint, DateTimeOffset now, TimeSpan lease, TimeSpan retention) =>
        new(Guid.NewGuid(), fingerprint, IdempotencyState.InFlight, now, now + lease, now + retention);

    public IdempotencyRecord Complete(int statusCode, string responseBody, string? location) =>
        this with { State = IdempotencyState.Completed, StatusCode = statusCode, ResponseBody = responseBody, Location = location };
}

public enum IdempotencyOutcome
{
    /// <summary>No live record: this request owns the key and runs.</summary>
    Proceed,
    /// <summary>Same key, same body, finished: answer with the stored response.</summary>
    Replay,
    /// <summary>Same key, different body (422).</summary>
    FingerprintMismatch,
    /// <summary>Same key, first request still running (409).</summary>
    InFlight,
}

/// <summary>The Idempotency-Key rules (IETF draft-ietf-httpapi-idempotency-key-header), free of storage.</summary>
public static class IdempotencyRules
{
    public const int MaxKeyLength = 255;

    public static bool IsValidKey(string? key) =>
        !string.IsNullOrWhiteSpace(key) && key.Length <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~');

    public static IdempotencyOutcome Decide(IdempotencyRecord? existing, string fingerprint, DateTimeOffset now)
    {
        if (existing is null || now >= existing.ExpiresAt)
        {
            return IdempotencyOutcome.Proceed;
        }
        if (!string.Equals(existing.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            return IdempotencyOutcome.FingerprintMismatch;
        }
        return existing.State switch
        {
            IdempotencyState.Completed => IdempotencyOutcome.Replay,
            // The first request's lease ran out: it crashed or hung, so this retry takes the key over.
            IdempotencyState.InFlight when now >= existing.LeaseExpiresAt => IdempotencyOutcome.Proceed,
            _ => IdempotencyOutcome.InFlight,
        };
    }
}
