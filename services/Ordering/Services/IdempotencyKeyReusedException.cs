using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Services;

/// <summary>The Idempotency-Key was already used with a different request body: 422, nothing is placed.</summary>
public sealed class IdempotencyKeyReusedException()
    : RuleViolationException("Idempotency-Key reused", "This Idempotency-Key was already used with a different request body.");
