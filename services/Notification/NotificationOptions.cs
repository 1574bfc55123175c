using System.ComponentModel.DataAnnotations;

namespace Flipkart.Notification;

public sealed class NotificationOptions
{
    /// <summary>How long notifications and tracked order statuses are kept (state TTL).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Newest notifications kept per user; older ones drop off the inbox.</summary>
    [Range(10, 5000)]
    public int MaxInboxSize { get; set; } = 500;

    /// <summary>
    /// How often an open status stream re-reads the order's status from the store, as a safety net. A change this
    /// replica records reaches its streams at once, in memory; pub/sub hands each event to one replica only, so a
    /// stream held by another replica learns of that change at this re-read. Each read costs a bulk state read per open
    /// stream, which is why it is slow: a one-second re-read made a flash sale's streams dearer than polling.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Comment lines sent on idle streams so proxies and load balancers keep them open.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Streams end after this long; EventSource clients reconnect by themselves.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Status streams one user may hold open at once on this replica; the next is refused with 429 (each re-reads the store every StatusPollInterval).</summary>
    [Range(1, 1_000)]
    public int MaxStreamsPerUser { get; set; } = 10;

    [Range(1, 20)]
    public int ConcurrencyRetries { get; set; } = 8;
}
