using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Flipkart.EmbeddedDapr.Resources;

/// <summary>
/// One YAML document of a Dapr resources folder (any kind), kept both as YAML (exact scalar text) and as JSON
/// (plain YAML scalars that look like numbers/booleans become JSON numbers/booleans) so modules can bind it.
/// </summary>
public sealed class ResourceDocument
{
    internal ResourceDocument(string source, YamlMappingNode yaml)
    {
        Source = source;
        Yaml = yaml;
        Json = (JsonObject)YamlJson.ToJson(yaml)!;
        ApiVersion = Json["apiVersion"]?.ToString() ?? "";
        Kind = Json["kind"]?.ToString() ?? "";
        Name = Json["metadata"]?["name"]?.ToString() ?? "";
        Namespace = Json["metadata"]?["namespace"]?.ToString();
        Scopes = Json["scopes"] is JsonArray scopes
            ? scopes.Select(s => s?.ToString() ?? "").Where(s => s.Length > 0).ToArray()
            : [];
    }

    /// <summary>File path (or <c>inline[n]</c>) the document came from, for error messages.</summary>
    public string Source { get; }
    public string ApiVersion { get; }
    public string Kind { get; }
    public string Name { get; }
    public string? Namespace { get; }
    public IReadOnlyList<string> Scopes { get; }
    public YamlMappingNode Yaml { get; }
    public JsonObject Json { get; }
    public JsonObject Spec => Json["spec"] as JsonObject ?? [];

    /// <summary>True when the document applies to <paramref name="appId"/> (no scopes = everyone).</summary>
    public bool IsVisibleTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    /// <summary>Binds <c>spec</c> to <typeparamref name="T"/> with case-insensitive names.</summary>
    public T? SpecAs<T>() => Spec.Deserialize<T>(BindOptions);

    private static readonly JsonSerializerOptions BindOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };
}

internal static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }
        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }
        if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && text.Any(char.IsDigit))
        {
            return JsonValue.Create(d);
        }
        return JsonValue.Create(text);
    }

    /// <summary>A scalar's exact text (Dapr metadata values are strings whatever their YAML type).</summary>
    public static string? ScalarText(YamlNode? node) => node switch
    {
        YamlScalarNode s => s.Value,
        null => null,
        _ => node.ToString(),
    };
}
