using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Services;

/// <summary>The first request with this Idempotency-Key is still running: 409 with Retry-After, then a replay.</summary>
public sealed class RequestInProgressException : ConflictException
{
    public RequestInProgressException()
        : base("Request in progress", "A request with this Idempotency-Key is still being processed; retry shortly.") =>
        RetryAfter = TimeSpan.FromSeconds(1);
}
