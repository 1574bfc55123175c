using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flipkart.ComponentLint.Yaml;

/// <summary>
/// Turns YAML into plain values: <see cref="IReadOnlyDictionary{TKey,TValue}"/> for mappings,
/// <see cref="IReadOnlyList{T}"/> for sequences and <see cref="string"/> for scalars (null for empty),
/// which is how daprd sees metadata too: every value a string.
/// </summary>
public static class YamlTree
{
    public static IReadOnlyList<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    public static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value ?? "",
            kv => Convert(kv.Value),
            StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList() as IReadOnlyList<object?>,
        YamlScalarNode scalar => IsNull(scalar) ? null : scalar.Value,
        _ => null,
    };

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    public static IReadOnlyDictionary<string, object?>? Map(this IReadOnlyDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v as IReadOnlyDictionary<string, object?> : null;

    public static IReadOnlyList<object?>? List(this IReadOnlyDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v as IReadOnlyList<object?> : null;

    public static string? Str(this IReadOnlyDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v as string : null;

    public static IReadOnlyList<string> Strings(this IReadOnlyDictionary<string, object?>? map, string key) =>
        map.List(key)?.OfType<string>().ToList() ?? [];
}
