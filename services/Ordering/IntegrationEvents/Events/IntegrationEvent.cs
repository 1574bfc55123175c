using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flipkart.Ordering.IntegrationEvents.Events;

/// <summary>Every event carries a unique id (consumers deduplicate on it) and when it happened.</summary>
public abstract record IntegrationEvent(Guid EventId, DateTimeOffset OccurredAt)
{
    /// <summary>
    /// The id of the one event of <paramref name="eventType"/> an order can emit. Deterministic, so a retried
    /// transaction (or a Redis MULTI that published although its ETag check failed) repeats the same id and
    /// consumers that deduplicate by event id see a duplicate rather than a second event.
    /// </summary>
    public static Guid DeterministicId(Guid orderId, string eventType)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{orderId:N}/{eventType}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style name-based id
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>
/// How ordering reads the events it consumes: camelCase, enums as strings, and tolerant of members it does not
/// know, so a producer adding a field never turns into endless redelivery here.
/// </summary>
public static class EventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
