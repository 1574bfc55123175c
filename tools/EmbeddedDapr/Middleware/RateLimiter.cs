using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace Flipkart.EmbeddedDapr.Middleware;

/// <summary>
/// A token bucket in the manner of Go's <c>x/time/rate</c> limiter, which daprd's ratelimit middleware uses
/// through tollbooth: it starts full with <c>burst</c> tokens and refills continuously at <c>rate</c> per second.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock gate = new();
    private readonly double rate;
    private readonly double burst;
    private readonly TimeProvider time;
    private double tokens;
    private long lastTimestamp;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        rate = ratePerSecond;
        this.burst = burst;
        this.time = time;
        tokens = burst;
        lastTimestamp = time.GetTimestamp();
    }

    public bool TryTake()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(lastTimestamp, now);
            lastTimestamp = now;
            tokens = Math.Min(burst, tokens + (elapsed.TotalSeconds * rate));
            if (tokens < 1)
            {
                return false;
            }

            tokens -= 1;
            return true;
        }
    }
}

/// <summary>
/// daprd's <c>middleware.http.ratelimit</c>: one token bucket per client IP, burst equal to the rate (at least 1).
/// Each sidecar holds its own limiter, so limits are per sidecar, not cluster-wide.
/// </summary>
public sealed class RateLimiter
{
    public const string ComponentType = "middleware.http.ratelimit";
    public const string MetadataKey = "maxRequestsPerSecond";
    public const string LimitedBody = "You have reached maximum request limit.";
    public const string LimitedContentType = "text/plain; charset=utf-8";
    public const double DefaultMaxRequestsPerSecond = 100;

    /// <summary>Callers with no derivable IP share this bucket, as daprd forces <c>X-Forwarded-For: 0.0.0.0</c>.</summary>
    public const string UnknownClient = "0.0.0.0";

    private readonly ConcurrentDictionary<string, TokenBucket> buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider time;

    public RateLimiter(double maxRequestsPerSecond, TimeProvider? time = null)
    {
        if (!(maxRequestsPerSecond > 0) || double.IsInfinity(maxRequestsPerSecond))
        {
            throw new RateLimitConfigurationException($"metadata property {MetadataKey} must be a positive value");
        }

        MaxRequestsPerSecond = maxRequestsPerSecond;
        Burst = (int)Math.Max(1, maxRequestsPerSecond);
        this.time = time ?? TimeProvider.System;
    }

    public double MaxRequestsPerSecond { get; }

    public int Burst { get; }

    /// <summary>
    /// Builds a limiter from component metadata (names matched case-insensitively, like daprd's decoder). A missing
    /// value means daprd's code default of 100; zero, negative or unparseable values are init errors.
    /// </summary>
    public static RateLimiter FromMetadata(IEnumerable<KeyValuePair<string, string>> metadata, TimeProvider? time = null)
    {
        var raw = metadata.FirstOrDefault(m => string.Equals(m.Key, MetadataKey, StringComparison.OrdinalIgnoreCase)).Value;
        var rate = DefaultMaxRequestsPerSecond;
        if (raw is not null && !double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out rate))
        {
            throw new RateLimitConfigurationException($"metadata property {MetadataKey} is not a number: '{raw}'");
        }

        return new RateLimiter(rate, time);
    }

    public bool TryAcquire(string clientKey) =>
        buckets.GetOrAdd(clientKey, _ => new TokenBucket(MaxRequestsPerSecond, Burst, time)).TryTake();

    /// <summary>
    /// The client key in tollbooth's lookup order: the connection's remote address, else the first valid address in
    /// <c>X-Forwarded-For</c>, else <c>X-Real-IP</c>, else the shared unknown-client bucket.
    /// </summary>
    public static string ClientKey(IPAddress? remoteAddress, string? forwardedFor, string? realIp)
    {
        if (remoteAddress is not null)
        {
            return Canonical(remoteAddress);
        }

        if (!string.IsNullOrWhiteSpace(forwardedFor))
        {
            foreach (var part in forwardedFor.Split(','))
            {
                if (IPAddress.TryParse(part.Trim().Trim('[', ']'), out var forwarded))
                {
                    return Canonical(forwarded);
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(realIp) && IPAddress.TryParse(realIp.Trim().Trim('[', ']'), out var real))
        {
            return Canonical(real);
        }

        return UnknownClient;
    }

    private static string Canonical(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}

/// <summary>A ratelimit middleware component whose metadata daprd would refuse at init.</summary>
public sealed class RateLimitConfigurationException(string message) : Exception(message);
