using System.Text.Json;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>The top-level CloudEvent attributes delivery needs, read in one forward pass that also validates the JSON.</summary>
internal readonly record struct EnvelopeFields(string? TraceParent, string? TraceState, string? Expiration)
{
    public static bool TryRead(ReadOnlySpan<byte> json, out EnvelopeFields fields)
    {
        fields = default;
        string? traceParent = null, traceState = null, expiration = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var isTraceParent = name.SequenceEqual("traceparent"u8);
                var isTraceState = !isTraceParent && name.SequenceEqual("tracestate"u8);
                var isExpiration = !isTraceParent && !isTraceState && name.SequenceEqual("expiration"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && (isTraceParent || isTraceState || isExpiration))
                {
                    var value = reader.GetString();
                    if (isTraceParent)
                    {
                        traceParent = value;
                    }
                    else if (isTraceState)
                    {
                        traceState = value;
                    }
                    else
                    {
                        expiration = value;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        fields = new EnvelopeFields(traceParent, traceState, expiration);
        return true;
    }
}
