using YamlDotNet.RepresentationModel;

namespace Flipkart.EmbeddedDapr.Resources;

/// <summary>A <c>kind: Component</c> resource with its metadata resolved (values, secretKeyRef, envRef).</summary>
public sealed class ComponentDefinition
{
    internal ComponentDefinition(ResourceDocument document)
    {
        Document = document;
        Name = document.Name;
        Type = document.Spec["type"]?.ToString() ?? "";
        Version = document.Spec["version"]?.ToString() ?? "";
        IgnoreErrors = string.Equals(document.Spec["ignoreErrors"]?.ToString(), "true", StringComparison.OrdinalIgnoreCase);
        SecretStore = document.Json["auth"]?["secretStore"]?.ToString();
    }

    public ResourceDocument Document { get; }
    public string Name { get; }

    /// <summary><c>spec.type</c>, e.g. <c>state.redis</c>.</summary>
    public string Type { get; }
    public string Version { get; }
    public bool IgnoreErrors { get; }
    public string? SecretStore { get; }
    public IReadOnlyList<string> Scopes => Document.Scopes;

    /// <summary>Resolved metadata; names are case-insensitive like daprd's decoder.</summary>
    public IReadOnlyDictionary<string, string> Metadata => metadata;

    /// <summary>The building block: <c>state</c>, <c>pubsub</c>, <c>secretstores</c>, <c>middleware</c>, …</summary>
    public string Category => Type.Split('.')[0];

    public bool IsVisibleTo(string appId) => Document.IsVisibleTo(appId);

    public string? GetMetadata(string name) => metadata.TryGetValue(name, out var v) ? v : null;

    public bool GetBool(string name, bool fallback = false) =>
        GetMetadata(name) is { } v ? v.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "y" or "on" : fallback;

    internal readonly Dictionary<string, string> metadata = new(StringComparer.OrdinalIgnoreCase);

    internal IEnumerable<(string Name, YamlMappingNode Item)> RawMetadataItems()
    {
        if (Document.Yaml.Children.TryGetValue(new YamlScalarNode("spec"), out var spec)
            && spec is YamlMappingNode specMap
            && specMap.Children.TryGetValue(new YamlScalarNode("metadata"), out var meta)
            && meta is YamlSequenceNode items)
        {
            foreach (var item in items.OfType<YamlMappingNode>())
            {
                var name = YamlJson.ScalarText(item.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? n : null);
                if (!string.IsNullOrEmpty(name))
                {
                    yield return (name, item);
                }
            }
        }
    }
}
