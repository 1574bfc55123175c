using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// The base of every event a service publishes or consumes. Each service keeps its own records (a consumer's copy
/// names only what it reads); the record's name is the CloudEvent <c>type</c> subscribers route on.
/// </summary>
public abstract record IntegrationEvent(Guid EventId, DateTimeOffset OccurredAt)
{
    /// <summary>The CloudEvent type: the record's name, on the publisher's and every consumer's copy alike.</summary>
    [JsonIgnore]
    public string Type => GetType().Name;

    /// <summary>
    /// The id of the one event of <paramref name="eventType"/> that <paramref name="producer"/> emits about
    /// <paramref name="subjectId"/> (an order, a payment). A republished or retried event repeats its id, so a
    /// consumer or broker that deduplicates by id sees a duplicate rather than a second event.
    /// </summary>
    public static Guid DeterministicId(string producer, Guid subjectId, string eventType) =>
        DeterministicGuid.From($"{producer}/{subjectId:N}/{eventType}");
}

/// <summary>Name-based ids: the same name always gives the same id, different names practically never collide.</summary>
public static class DeterministicGuid
{
    /// <summary>An RFC 9562 version 8 id from the SHA-256 of <paramref name="name"/>, laid out big-endian.</summary>
    public static Guid From(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// <summary>
/// How every subscriber reads events: camelCase, enums as strings, members it does not know skipped (a producer may
/// add fields), numbers written as strings accepted, and a constructor parameter without a default required, so an
/// event missing what the consumer needs (its order id) fails to read and is dropped rather than half-processed.
/// </summary>
public static class IntegrationEventJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false);
        options.RespectRequiredConstructorParameters = true;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
