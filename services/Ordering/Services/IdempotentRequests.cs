using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Infrastructure;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Services;

/// <summary>Claims, completes and releases Idempotency-Keys following <see cref="IdempotencyRules"/>.</summary>
public sealed class IdempotentRequests(IIdempotencyStore store, TimeProvider time, IOptionsMonitor<OrderingOptions> options, ILogger<IdempotentRequests> logger)
{
    private const int ClaimAttempts = 4;

    public abstract record ClaimResult;

    /// <summary>This request owns the key and must run, then <see cref="CompleteAsync"/> or <see cref="ReleaseAsync"/>.</summary>
    public sealed record Owned(string StateKey, IdempotencyRecord Record, string ETag) : ClaimResult;

    public sealed record Replay(IdempotencyRecord Record) : ClaimResult;

    public sealed record Rejected(IdempotencyOutcome Outcome) : ClaimResult;

    public async Task<ClaimResult> ClaimAsync(string userId, string idempotencyKey, string fingerprint, CancellationToken cancellationToken)
    {
        var stateKey = StateKeys.Idempotency(userId, idempotencyKey);
        var settings = options.CurrentValue;
        for (var attempt = 0; attempt < ClaimAttempts; attempt++)
        {
            var (existing, etag) = await store.GetAsync(stateKey, cancellationToken);
            var now = time.GetUtcNow();
            switch (IdempotencyRules.Decide(existing, fingerprint, now))
            {
                case IdempotencyOutcome.Replay:
                    return new Replay(existing!);
                case IdempotencyOutcome.FingerprintMismatch:
                    return new Rejected(IdempotencyOutcome.FingerprintMismatch);
                case IdempotencyOutcome.InFlight:
                    return new Rejected(IdempotencyOutcome.InFlight);
            }

            var claim = IdempotencyRecord.Begin(fingerprint, now, settings.IdempotencyLease, settings.IdempotencyRetention);
            // Replacing an expired or abandoned record needs its ETag; a fresh key is created first-write.
            if (!await store.TrySaveAsync(stateKey, claim, existing is null ? "" : etag, settings.IdempotencyRetention, cancellationToken))
            {
                continue; // a concurrent request with the same key won the race: decide again against its record
            }

            // Saves do not return the new ETag; read it back and make sure the record is still ours.
            var (saved, savedETag) = await store.GetAsync(stateKey, cancellationToken);
            if (saved?.ClaimId == claim.ClaimId)
            {
                return new Owned(stateKey, saved, savedETag);
            }
        }

        // Lost every race: some other request with this key is running right now.
        return new Rejected(IdempotencyOutcome.InFlight);
    }

    /// <summary>
    /// Whether a request with this key was seen (a read, no claim): a refusal may skip the key protocol for a key never
    /// used, but not for one whose request may have succeeded, whose answer must be replayed instead.
    /// </summary>
    public async Task<bool> IsKnownAsync(string userId, string idempotencyKey, CancellationToken cancellationToken) =>
        (await store.GetAsync(StateKeys.Idempotency(userId, idempotencyKey), cancellationToken)).Record is not null;

    public async Task CompleteAsync(Owned claim, int statusCode, string responseBody, string? location, CancellationToken cancellationToken)
    {
        var completed = claim.Record.Complete(statusCode, responseBody, location);
        var remaining = completed.ExpiresAt - time.GetUtcNow();
        if (!await store.TrySaveAsync(claim.StateKey, completed, claim.ETag, remaining, cancellationToken))
        {
            // Our lease ran out and a retry took the key over; it will record its own response.
            logger.LogWarning("Idempotency record {Key} was taken over before this request completed", claim.StateKey);
        }
    }

    /// <summary>Frees the key after a failure so the client can retry with it (only successes are replayed).</summary>
    /// <remarks>
    /// Never throws: it runs after a failure, often of the same store, and must not hide that failure. A record that
    /// cannot be deleted stays in flight only until its lease (<see cref="OrderingOptions.IdempotencyLease"/>) lapses,
    /// after which a retry with the same key takes it over.
    /// </remarks>
    public async Task ReleaseAsync(Owned claim, CancellationToken cancellationToken)
    {
        try
        {
            if (!await store.TryDeleteAsync(claim.StateKey, claim.ETag, cancellationToken))
            {
                logger.LogWarning("Idempotency record {Key} changed before it could be released", claim.StateKey);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Idempotency record {Key} could not be released; it frees itself when its lease lapses", claim.StateKey);
        }
    }
}
