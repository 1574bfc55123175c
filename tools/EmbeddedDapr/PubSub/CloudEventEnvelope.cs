using System.Globalization;
using System.Diagnostics;
using System.Text.Json;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>What a publish call hands to the envelope builder.</summary>
public sealed record PublishInput(
    string PubsubName,
    string Topic,
    ReadOnlyMemory<byte> Data,
    string? DataContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string AppId,
    string? IncomingTraceParent = null,
    string? IncomingTraceState = null);

/// <summary>Raised when the body claims to be a CloudEvent but is not a JSON object.</summary>
public sealed class CloudEventCreationException(string message) : Exception(message);

/// <summary>
/// Builds the CloudEvent JSON daprd publishes to the broker (see the pub/sub section of the runtime notes):
/// wraps plain payloads, completes app-supplied CloudEvents without double wrapping, honours <c>cloudevent.*</c>
/// overrides and the <c>ttlInSeconds</c> expiration. Output keys are sorted as Go's encoder sorts map keys.
/// </summary>
public static class CloudEventEnvelope
{
    public const string DefaultType = "com.dapr.event.sent";
    public const string DefaultSource = "Dapr";
    public const string SpecVersion = "1.0";

    private const string OverridePrefix = "cloudevent.";

    /// <summary>Builds the envelope bytes. <paramref name="componentHandlesTtl"/> = the broker has the MESSAGE_TTL feature.</summary>
    public static byte[] Build(PublishInput input, TimeProvider time, bool componentHandlesTtl = false)
    {
        var overrides = Overrides(input.Metadata);
        var traceParent = overrides.GetValueOrDefault("traceparent") ?? overrides.GetValueOrDefault("traceid")
            ?? Tracing.ChildTraceParent(input.IncomingTraceParent);
        var traceState = overrides.GetValueOrDefault("tracestate") ?? input.IncomingTraceState ?? "";
        var now = time.GetLocalNow();

        Dictionary<string, object?> envelope;
        if (ContentTypes.IsCloudEvent(input.DataContentType))
        {
            envelope = FromCloudEvent(input, traceParent, traceState, now);
        }
        else
        {
            envelope = NewEnvelope(input, overrides, traceParent, traceState, now);
        }

        if (!componentHandlesTtl && TryGetTtl(input.Metadata, out var ttl))
        {
            envelope["expiration"] = Rfc3339(time.GetUtcNow().Add(ttl));
        }

        return GoJson.ToUtf8(envelope);
    }

    private static Dictionary<string, object?> NewEnvelope(
        PublishInput input, Dictionary<string, string> overrides, string traceParent, string traceState, DateTimeOffset now)
    {
        var contentType = string.IsNullOrEmpty(input.DataContentType) ? ContentTypes.TextPlain : input.DataContentType;
        var envelope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = NonEmpty(overrides.GetValueOrDefault("id")) ?? Guid.NewGuid().ToString(),
            ["source"] = NonEmpty(overrides.GetValueOrDefault("source")) ?? NonEmpty(input.AppId) ?? DefaultSource,
            ["type"] = NonEmpty(overrides.GetValueOrDefault("type")) ?? DefaultType,
            ["specversion"] = SpecVersion,
            ["datacontenttype"] = contentType,
            ["topic"] = input.Topic,
            ["pubsubname"] = input.PubsubName,
            ["traceid"] = traceParent,
            ["traceparent"] = traceParent,
            ["tracestate"] = traceState,
            ["time"] = Rfc3339(now),
        };

        if (overrides.TryGetValue("subject", out var subject) && subject.Length > 0)
        {
            envelope["subject"] = subject;
        }

        if (ContentTypes.IsJson(contentType) && GoJson.TryParse(input.Data, out var document))
        {
            using (document)
            {
                envelope["data"] = document!.RootElement.Clone();
            }
        }
        else if (ContentTypes.IsBinary(contentType))
        {
            envelope["data_base64"] = Convert.ToBase64String(input.Data.Span);
        }
        else
        {
            envelope["data"] = GoJson.Utf8(input.Data);
        }

        return envelope;
    }

    private static Dictionary<string, object?> FromCloudEvent(
        PublishInput input, string traceParent, string traceState, DateTimeOffset now)
    {
        if (!GoJson.TryParse(input.Data, out var document) || document!.RootElement.ValueKind != JsonValueKind.Object)
        {
            document?.Dispose();
            throw new CloudEventCreationException("cannot create cloudevent: the data is not a CloudEvent JSON object");
        }

        var envelope = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (document)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                envelope[property.Name] = property.Value.Clone();
            }
        }

        envelope["topic"] = input.Topic;
        envelope["pubsubname"] = input.PubsubName;
        envelope.TryAdd("time", Rfc3339(now));
        if (!envelope.ContainsKey("traceid"))
        {
            envelope["traceid"] = traceParent;
            envelope["traceparent"] = traceParent;
        }

        envelope.TryAdd("tracestate", traceState);
        envelope.TryAdd("source", DefaultSource);
        envelope.TryAdd("type", DefaultType);
        envelope.TryAdd("specversion", SpecVersion);
        return envelope;
    }

    /// <summary>The CloudEvent a rawPayload subscription receives: daprd synthesizes it on the subscriber side.</summary>
    public static byte[] FromRawPayload(ReadOnlyMemory<byte> data, string topic, string pubsubName, string? traceParent, string? traceState)
    {
        var envelope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["specversion"] = SpecVersion,
            ["datacontenttype"] = ContentTypes.OctetStream,
            ["source"] = DefaultSource,
            ["type"] = DefaultType,
            ["topic"] = topic,
            ["pubsubname"] = pubsubName,
            ["data_base64"] = Convert.ToBase64String(data.Span),
        };
        if (!string.IsNullOrEmpty(traceParent))
        {
            envelope["traceid"] = traceParent;
            envelope["traceparent"] = traceParent;
        }

        if (!string.IsNullOrEmpty(traceState))
        {
            envelope["tracestate"] = traceState;
        }

        return GoJson.ToUtf8(envelope);
    }

    /// <summary>Go's <c>time.RFC3339</c>: second precision, "Z" for UTC, otherwise the numeric offset.</summary>
    public static string Rfc3339(DateTimeOffset value)
    {
        // Publishes arrive many per second; the text only changes once a second.
        var seconds = value.UtcTicks / TimeSpan.TicksPerSecond;
        var cached = _lastTime;
        if (cached is not null && cached.Seconds == seconds && cached.Offset == value.Offset)
        {
            return cached.Text;
        }

        var text = value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        text = value.Offset == TimeSpan.Zero ? text + "Z" : text + value.ToString("zzz", CultureInfo.InvariantCulture);
        _lastTime = new CachedTime(seconds, value.Offset, text);
        return text;
    }

    private static CachedTime? _lastTime;

    private sealed record CachedTime(long Seconds, TimeSpan Offset, string Text);

    public static bool IsRawPayload(IReadOnlyDictionary<string, string> metadata, out string? invalidValue)
    {
        invalidValue = null;
        foreach (var (key, value) in metadata)
        {
            if (!string.Equals(key, "rawPayload", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (TryParseGoBool(value, out var raw))
            {
                return raw;
            }

            invalidValue = value;
            return false;
        }

        return false;
    }

    /// <summary>Go's <c>strconv.ParseBool</c>.</summary>
    public static bool TryParseGoBool(string value, out bool result)
    {
        switch (value)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                result = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    private static bool TryGetTtl(IReadOnlyDictionary<string, string> metadata, out TimeSpan ttl)
    {
        ttl = default;
        foreach (var (key, value) in metadata)
        {
            if (string.Equals(key, "ttlInSeconds", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                ttl = TimeSpan.FromSeconds(seconds);
                return true;
            }
        }

        return false;
    }

    private static Dictionary<string, string> Overrides(IReadOnlyDictionary<string, string> metadata)
    {
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (key.StartsWith(OverridePrefix, StringComparison.OrdinalIgnoreCase))
            {
                overrides[key[OverridePrefix.Length..].ToLowerInvariant()] = value;
            }
        }

        return overrides;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>W3C trace-context helpers: daprd starts a child span of the caller's context for each publish/delivery.</summary>
public static class Tracing
{
    public static string ChildTraceParent(string? parent)
    {
        // Inside a traced API call daprd writes that call's own span (Tracing/SidecarSpans).
        if (Flipkart.EmbeddedDapr.Tracing.SidecarSpans.CurrentTraceParent() is { } current)
        {
            return current;
        }

        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        if (TryParse(parent, out var traceId, out var flags))
        {
            return $"00-{traceId}-{spanId}-{flags}";
        }

        return $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{spanId}-01";
    }

    public static bool TryParse(string? traceParent, out string traceId, out string flags)
    {
        traceId = "";
        flags = "";
        if (string.IsNullOrEmpty(traceParent))
        {
            return false;
        }

        var parts = traceParent.Trim().Split('-');
        if (parts.Length < 4 || parts[1].Length != 32 || parts[2].Length != 16 || parts[3].Length != 2)
        {
            return false;
        }

        traceId = parts[1].ToLowerInvariant();
        flags = parts[3].ToLowerInvariant();
        return true;
    }
}
