using YamlDotNet.RepresentationModel;

namespace Flipkart.Testing;

/// <summary>
/// The Dapr resources a test runs on: a component profile exactly as <c>dapr run -f .</c>, DevHost and Kubernetes use
/// it (<c>components/&lt;profile&gt;</c>), with whole documents replaced by name where a test needs something else
/// (an in-memory broker that redelivers at once, a test secret). Every replacement is visible in the fixture that
/// asks for it, so what differs from production is written down next to the tests it serves.
/// </summary>
public sealed record DaprProfile(string? Name, IReadOnlyList<string> Overrides)
{
    /// <summary>Documents of the profile left out, as <c>Kind/name</c> (e.g. <c>Resiliency/resiliency</c>).</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];

    /// <summary>The profile without the named documents; say why where it is used.</summary>
    public DaprProfile Without(params string[] kindSlashName) => this with { Removed = [.. Removed, .. kindSlashName] };

    /// <summary>The <c>local</c> profile, the one every developer runs.</summary>
    public static DaprProfile Local(params string[] overrides) => new("local", overrides);

    /// <summary>No profile: only the given documents.</summary>
    public static DaprProfile Only(params string[] documents) => new(null, documents);

    /// <summary>The profile folder (secret files are resolved from it, as DevHost does), or null.</summary>
    public string? Directory => Name is null ? null : Repository.Path("components", Name);

    /// <summary>The profile's documents with each override in place of the document of the same kind and name.</summary>
    public IReadOnlyList<string> Documents()
    {
        var overrides = Overrides.SelectMany(Split).ToList();
        var replaced = overrides.Select(Identity).ToHashSet();
        var profile = Directory is null ? [] : System.IO.Directory.EnumerateFiles(Directory, "*.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(file => Split(File.ReadAllText(file)))
            .Where(document => Identity(document) is var id && id.Kind != "Kustomization" && !replaced.Contains(id)
                && !Removed.Contains($"{id.Kind}/{id.Name}", StringComparer.Ordinal));
        return [.. profile, .. overrides];
    }

    private static IEnumerable<string> Split(string yaml) =>
        yaml.Split(["\n---\n", "\r\n---\r\n"], StringSplitOptions.None)
            .Select(d => d.StartsWith("---", StringComparison.Ordinal) ? d[3..] : d)
            .Where(d => d.Split('\n').Any(line => line.TrimStart().Length > 0 && !line.TrimStart().StartsWith('#')));

    private static (string Kind, string Name) Identity(string document)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(document));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var kind = root.Children.TryGetValue(new YamlScalarNode("kind"), out var k) ? ((YamlScalarNode)k).Value ?? "" : "";
        var name = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) && m is YamlMappingNode metadata
            && metadata.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? ((YamlScalarNode)n).Value ?? "" : "";
        return (kind, name);
    }
}
