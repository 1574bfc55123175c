using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flipkart.Payment.IntegrationEvents.Events;

/// <summary>Every event carries a unique id (consumers deduplicate on it) and when it happened.</summary>
public abstract record IntegrationEvent(Guid EventId, DateTimeOffset OccurredAt)
{
    /// <summary>The id of the one event of <paramref name="eventType"/> an order's payment can emit; stable across retries.</summary>
    public static Guid DeterministicId(Guid orderId, string eventType)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"payment/{orderId:N}/{eventType}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>Tolerant reading of consumed events: a producer adding a member must not cause endless redelivery.</summary>
public static class EventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
