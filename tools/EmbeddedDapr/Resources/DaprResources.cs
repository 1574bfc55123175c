using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flipkart.EmbeddedDapr.Resources;

/// <summary>Every document of a resources folder (<c>components/&lt;profile&gt;/</c>) plus inline YAML strings.</summary>
public sealed class DaprResources
{
    private DaprResources(string? directory, IReadOnlyList<ResourceDocument> documents)
    {
        Directory = directory;
        Documents = documents;
        Components = documents.Where(d => d.Kind == "Component").Select(d => new ComponentDefinition(d)).ToArray();
        Configurations = documents.Where(d => d.Kind == "Configuration").Select(d => new ConfigurationDefinition(d)).ToArray();
    }

    /// <summary>Absolute path of the resources folder, when one was given.</summary>
    public string? Directory { get; }
    public IReadOnlyList<ResourceDocument> Documents { get; }

    /// <summary>All <c>Component</c> documents as written (metadata resolved by the cluster at start).</summary>
    public IReadOnlyList<ComponentDefinition> Components { get; }
    public IReadOnlyList<ConfigurationDefinition> Configurations { get; }

    /// <summary>Documents of another kind (<c>Resiliency</c>, <c>Subscription</c>, <c>HTTPEndpoint</c>, …).</summary>
    public IEnumerable<ResourceDocument> OfKind(string kind) =>
        Documents.Where(d => string.Equals(d.Kind, kind, StringComparison.Ordinal));

    /// <summary>
    /// Reads every <c>*.yaml</c>/<c>*.yml</c> file directly inside <paramref name="directory"/> (in name order, like
    /// daprd) and then the inline documents. Throws <see cref="DaprResourceException"/> for malformed YAML or a
    /// component name defined twice.
    /// </summary>
    public static DaprResources Load(string? directory, IEnumerable<string>? inlineYaml = null)
    {
        var documents = new List<ResourceDocument>();
        string? fullDirectory = null;
        if (directory is not null)
        {
            fullDirectory = Path.GetFullPath(directory);
            if (!System.IO.Directory.Exists(fullDirectory))
            {
                throw new DaprResourceException($"failed to load resources: resources path {fullDirectory} does not exist");
            }
            foreach (var file in System.IO.Directory.EnumerateFiles(fullDirectory)
                         .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                         .Order(StringComparer.Ordinal))
            {
                documents.AddRange(Parse(File.ReadAllText(file), file));
            }
        }
        var index = 0;
        foreach (var yaml in inlineYaml ?? [])
        {
            documents.AddRange(Parse(yaml, $"inline[{index++}]"));
        }

        var seen = new Dictionary<string, ResourceDocument>(StringComparer.Ordinal);
        foreach (var component in documents.Where(d => d.Kind == "Component"))
        {
            if (component.Name.Length == 0)
            {
                throw new DaprResourceException($"error loading component from {component.Source}: metadata.name is required");
            }
            if (!seen.TryAdd(component.Name, component))
            {
                throw new DaprResourceException(
                    $"duplicate definition of Component name {component.Name}: found in {seen[component.Name].Source} and {component.Source}");
            }
        }
        return new DaprResources(fullDirectory, documents);
    }

    private static IEnumerable<ResourceDocument> Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new DaprResourceException($"error parsing resources file {source}: {ex.Message}", ex);
        }
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlMappingNode map)
            {
                yield return new ResourceDocument(source, map);
            }
            else if (doc.RootNode is not YamlScalarNode { Value: null or "" })
            {
                throw new DaprResourceException($"error parsing resources file {source}: a resource document must be a mapping");
            }
        }
    }
}
