using System.Text.Json.Nodes;

namespace Flipkart.Deployment.Tests.Kustomize;

/// <summary>
/// kustomize <c>replacements</c>: copy one source field (here always a value of an overlay's values file) into fields
/// of other resources. Field paths are dotted, with <c>[name=value]</c> to pick a list item, a number for an index and
/// <c>[a.b/c]</c> for a map key holding dots. A source or target that matches nothing, or a target field that does not
/// exist without <c>options.create</c>, is an error (a typo would otherwise leave a placeholder in production).
/// </summary>
public static class Replacements
{
    public static void Apply(string file, JsonArray? replacements, IReadOnlyList<Manifest> manifests)
    {
        foreach (var replacement in replacements?.OfType<JsonObject>() ?? [])
        {
            var source = replacement["source"] as JsonObject ?? throw new InvalidDataException($"{file}: a replacement without a source");
            var from = Select(manifests, source).ToList() switch
            {
                [var single] => single,
                var matches => throw new InvalidDataException($"{file}: replacement source {Describe(source)} matches {matches.Count} resources"),
            };
            var sourcePath = source["fieldPath"]?.GetValue<string>() ?? "metadata.name";
            var value = Resolve(from.Json, Parse(sourcePath), create: false, $"{file}: source {Describe(source)}")?.DeepClone()
                ?? throw new InvalidDataException($"{file}: source {Describe(source)} has no {sourcePath}");

            foreach (var target in (replacement["targets"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var select = target["select"] as JsonObject ?? throw new InvalidDataException($"{file}: a target without select");
                var create = target["options"]?["create"]?.GetValue<bool>() == true;
                var matches = Select(manifests, select).ToList();
                if (matches.Count == 0)
                {
                    throw new InvalidDataException($"{file}: replacement target {Describe(select)} matches no resource");
                }
                foreach (var manifest in matches)
                {
                    foreach (var path in (target["fieldPaths"] as JsonArray ?? []).Select(p => p!.GetValue<string>()))
                    {
                        var segments = Parse(path);
                        var parent = Resolve(manifest.Json, segments[..^1], create, $"{file}: {manifest.Kind}/{manifest.Name} {path}")
                            ?? throw new InvalidDataException($"{file}: {manifest.Kind}/{manifest.Name} has no {path}");
                        Set(parent, segments[^1], value.DeepClone(), create, $"{file}: {manifest.Kind}/{manifest.Name} {path}");
                    }
                }
            }
        }
    }

    private static IEnumerable<Manifest> Select(IReadOnlyList<Manifest> manifests, JsonObject selector) => manifests.Where(m =>
        (selector["kind"]?.GetValue<string>() is not { } kind || m.Kind == kind)
        && (selector["name"]?.GetValue<string>() is not { } name || m.Name == name));

    private static string Describe(JsonObject selector) => $"{selector["kind"]}/{selector["name"]}";

    private static string[] Parse(string path)
    {
        var segments = new List<string>();
        var current = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var c in path)
        {
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            if (c == '.' && depth == 0)
            {
                segments.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        segments.Add(current.ToString());
        return [.. segments];
    }

    private static JsonNode? Resolve(JsonNode node, IEnumerable<string> segments, bool create, string where)
    {
        var current = node;
        foreach (var segment in segments)
        {
            current = Step(current, segment, create, where);
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    private static JsonNode? Step(JsonNode node, string segment, bool create, string where)
    {
        switch (node)
        {
            case JsonArray array when segment.StartsWith('[') && segment.Contains('='):
                var (key, value) = Selector(segment);
                return array.OfType<JsonObject>().FirstOrDefault(item => item[key]?.ToString() == value);
            case JsonArray array when int.TryParse(segment, out var index):
                return index < array.Count ? array[index] : null;
            case JsonObject obj:
                var name = Unbracket(segment);
                if (!obj.ContainsKey(name) && create)
                {
                    obj[name] = new JsonObject();
                }
                return obj[name];
            default:
                throw new InvalidDataException($"{where}: cannot step into '{segment}'");
        }
    }

    private static void Set(JsonNode parent, string segment, JsonNode value, bool create, string where)
    {
        switch (parent)
        {
            case JsonObject obj:
                var name = Unbracket(segment);
                if (!obj.ContainsKey(name) && !create)
                {
                    throw new InvalidDataException($"{where}: the field does not exist (options.create is off)");
                }
                obj[name] = value;
                break;
            case JsonArray array when int.TryParse(segment, out var index) && index < array.Count:
                array[index] = value;
                break;
            default:
                throw new InvalidDataException($"{where}: cannot set '{segment}'");
        }
    }

    private static (string Key, string Value) Selector(string segment)
    {
        var inner = segment[1..^1];
        var equals = inner.IndexOf('=', StringComparison.Ordinal);
        return (inner[..equals], inner[(equals + 1)..]);
    }

    private static string Unbracket(string segment) => segment.StartsWith('[') && segment.EndsWith(']') ? segment[1..^1] : segment;
}
