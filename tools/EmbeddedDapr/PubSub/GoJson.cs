using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// Serializes JSON the way daprd's Go code does when it marshals a <c>map[string]any</c>: object keys sorted
/// (recursively, because parsed data is a map too), numbers written with their original text (daprd decodes with
/// <c>UseNumber</c>), and strings escaped like <c>encoding/json</c> (HTML characters as \u003c etc., non-ASCII left as is).
/// Subscribers receive these exact bytes, so matching the shape matters for byte-level comparisons.
/// </summary>
public static class GoJson
{
    public static void WriteValue(StringBuilder sb, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // Go maps keep the last duplicate key; sort like Go (byte-wise on UTF-8, ordinal is equivalent for BMP).
                var properties = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    properties[property.Name] = property.Value;
                }

                WriteObject(sb, properties.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteValue(sb, item);
                }

                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, element.GetString()!);
                break;
            case JsonValueKind.Number:
                sb.Append(element.GetRawText());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    /// <summary>Writes an object whose values are strings, <see cref="JsonElement"/>s or null; keys are sorted here.</summary>
    public static void WriteObject(StringBuilder sb, IEnumerable<KeyValuePair<string, object?>> members)
    {
        sb.Append('{');
        var first = true;
        foreach (var (key, value) in members.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            WriteString(sb, key);
            sb.Append(':');
            switch (value)
            {
                case null:
                    sb.Append("null");
                    break;
                case string s:
                    WriteString(sb, s);
                    break;
                case JsonElement e:
                    WriteValue(sb, e);
                    break;
                case bool b:
                    sb.Append(b ? "true" : "false");
                    break;
                case IFormattable f:
                    sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                    break;
                default:
                    WriteString(sb, value.ToString() ?? "");
                    break;
            }
        }

        sb.Append('}');
    }

    public static byte[] ToUtf8(IEnumerable<KeyValuePair<string, object?>> members)
    {
        var sb = new StringBuilder(256);
        WriteObject(sb, members);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<': sb.Append("\\u003c"); break;
                case '>': sb.Append("\\u003e"); break;
                case '&': sb.Append("\\u0026"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Parses bytes as one JSON value; false when they are not valid JSON.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> bytes, out JsonDocument? document)
    {
        document = null;
        if (bytes.IsEmpty)
        {
            return false;
        }

        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    internal static string Utf8(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
