using Flipkart.ComponentLint.Yaml;
using YamlDotNet.Core;

namespace Flipkart.ComponentLint.Resources;

/// <summary>
/// The resources of one or more folders, loaded the way daprd loads a resources path: every
/// <c>*.yaml</c>/<c>*.yml</c> file, every document in it; other files (secrets.json) are ignored.
/// Later folders replace earlier resources of the same kind and name, so a small folder can be laid over
/// a full profile (how the broken test profiles and cloud overlays are expressed).
/// </summary>
public sealed class Profile
{
    private Profile(IReadOnlyList<string> folders, IReadOnlyList<DaprResource> resources, IReadOnlyList<(string File, string Error)> unreadable)
    {
        Folders = folders;
        Resources = resources;
        Unreadable = unreadable;
    }

    public IReadOnlyList<string> Folders { get; }

    public IReadOnlyList<DaprResource> Resources { get; }

    /// <summary>Files that are not valid YAML, with the parser's message.</summary>
    public IReadOnlyList<(string File, string Error)> Unreadable { get; }

    /// <summary>Resources sharing kind and name inside one folder (daprd would keep only one).</summary>
    public List<(DaprResource First, DaprResource Second)> Duplicates { get; } = [];

    public static Profile Load(IEnumerable<string> folders)
    {
        var folderList = folders.Select(Path.GetFullPath).ToList();
        var resources = new List<DaprResource>();
        var unreadable = new List<(string, string)>();
        var duplicates = new List<(DaprResource, DaprResource)>();
        foreach (var folder in folderList)
        {
            if (!Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException($"resources folder not found: {folder}");
            }
            var inFolder = new List<DaprResource>();
            var files = Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                IReadOnlyList<object?> documents;
                try
                {
                    documents = YamlTree.LoadAll(File.ReadAllText(file));
                }
                catch (YamlException e)
                {
                    unreadable.Add((file, $"line {e.Start.Line}: {e.Message}"));
                    continue;
                }
                // kustomization.yaml lets Kubernetes overlays use the folder as a base; daprd skips it.
                foreach (var document in documents.OfType<IReadOnlyDictionary<string, object?>>()
                             .Where(d => d.Str("apiVersion")?.StartsWith("kustomize.config.k8s.io/", StringComparison.Ordinal) != true))
                {
                    var resource = new DaprResource(file, document.Str("apiVersion"), document.Str("kind"),
                        document.Map("metadata").Str("name"), document);
                    var twin = inFolder.FirstOrDefault(r => SameIdentity(r, resource));
                    if (twin is not null && resource.Name is not null)
                    {
                        duplicates.Add((twin, resource));
                        continue;
                    }
                    inFolder.Add(resource);
                }
            }
            resources.RemoveAll(r => inFolder.Any(n => n.Name is not null && SameIdentity(r, n)));
            resources.AddRange(inFolder);
        }
        var profile = new Profile(folderList, resources, unreadable);
        profile.Duplicates.AddRange(duplicates);
        return profile;
    }

    private static bool SameIdentity(DaprResource a, DaprResource b) =>
        string.Equals(a.Kind, b.Kind, StringComparison.Ordinal) && string.Equals(a.Name, b.Name, StringComparison.Ordinal);
}
