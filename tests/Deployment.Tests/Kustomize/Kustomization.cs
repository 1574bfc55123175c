using System.Text.Json.Nodes;

namespace Flipkart.Deployment.Tests.Kustomize;

/// <summary>One resource after composition, with the file it came from.</summary>
public sealed record Manifest(string Source, JsonObject Json)
{
    public string ApiVersion => Json["apiVersion"]?.GetValue<string>() ?? "";
    public string Kind => Json["kind"]?.GetValue<string>() ?? "";
    public string Name => Json["metadata"]?["name"]?.GetValue<string>() ?? "";
    public string? Namespace => Json["metadata"]?["namespace"]?.GetValue<string>();
}

/// <summary>
/// The subset of `kustomize build` the manifests in k8s/ use: resources (files and directories with their
/// own kustomization), components, namespace, images, JSON 6902 patches with a target and replacements (whose
/// local-config sources, the overlays' values files, are left out of the output). Anything else in a
/// kustomization fails loudly, so the composition never silently differs from kustomize's.
/// </summary>
public static class Kustomization
{
    public const string LocalConfigAnnotation = "config.kubernetes.io/local-config";

    private static readonly HashSet<string> Supported = ["apiVersion", "kind", "resources", "components", "namespace", "images", "patches", "replacements"];

    private static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "IngressClass"];

    /// <summary>
    /// Composes <paramref name="directory"/>. <paramref name="valueOverrides"/> replaces entries of the local-config
    /// ConfigMaps (a values file) before the replacements copy them into place, as editing the values file would.
    /// </summary>
    public static IReadOnlyList<Manifest> Build(string directory, IReadOnlyDictionary<string, string>? valueOverrides = null)
    {
        var manifests = Compose(directory, valueOverrides ?? new Dictionary<string, string>());
        return [.. manifests.Where(m => !IsLocalConfig(m))];
    }

    public static bool IsLocalConfig(Manifest manifest) =>
        manifest.Json["metadata"]?["annotations"]?[LocalConfigAnnotation]?.GetValue<string>() == "true";

    private static List<Manifest> Compose(string directory, IReadOnlyDictionary<string, string> valueOverrides)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var kustomization = YamlJson.LoadAll(File.ReadAllText(file)).Single() as JsonObject
            ?? throw new InvalidDataException($"{file}: not a mapping");
        var unsupported = kustomization.Select(kv => kv.Key).Where(k => !Supported.Contains(k)).ToList();
        if (unsupported.Count > 0)
        {
            throw new NotSupportedException($"{file}: the test composer does not implement {string.Join(", ", unsupported)}");
        }

        var manifests = new List<Manifest>();
        foreach (var entry in Strings(kustomization["resources"]))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (Directory.Exists(path))
            {
                manifests.AddRange(Compose(path, valueOverrides));
            }
            else
            {
                manifests.AddRange(YamlJson.LoadAll(File.ReadAllText(path)).OfType<JsonObject>().Select(j => new Manifest(path, j)));
            }
        }
        foreach (var component in Strings(kustomization["components"]))
        {
            ApplyComponent(Path.GetFullPath(Path.Combine(directory, component)), manifests);
        }
        if (kustomization["namespace"]?.GetValue<string>() is { } ns)
        {
            foreach (var manifest in manifests.Where(m => !ClusterScoped.Contains(m.Kind)))
            {
                manifest.Json["metadata"]!["namespace"] = ns;
            }
        }
        ApplyImages(kustomization["images"] as JsonArray, manifests);
        ApplyPatches(directory, kustomization["patches"] as JsonArray, manifests);
        foreach (var values in manifests.Where(m => m.Kind == "ConfigMap" && IsLocalConfig(m)))
        {
            foreach (var (key, value) in valueOverrides)
            {
                if (values.Json["data"] is JsonObject data && data.ContainsKey(key))
                {
                    data[key] = value;
                }
            }
        }
        Replacements.Apply(file, kustomization["replacements"] as JsonArray, manifests);

        var duplicates = manifests.GroupBy(m => (m.ApiVersion, m.Kind, m.Name, m.Namespace)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidDataException($"{directory}: resources defined more than once: {string.Join(", ", duplicates)}");
        }
        return manifests;
    }

    private static void ApplyComponent(string directory, List<Manifest> manifests)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var component = YamlJson.LoadAll(File.ReadAllText(file)).Single() as JsonObject ?? throw new InvalidDataException(file);
        if (component["kind"]?.GetValue<string>() != "Component")
        {
            throw new InvalidDataException($"{file}: listed under components but is not kind: Component");
        }
        foreach (var entry in Strings(component["resources"]))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            manifests.AddRange(YamlJson.LoadAll(File.ReadAllText(path)).OfType<JsonObject>().Select(j => new Manifest(path, j)));
        }
        ApplyPatches(directory, component["patches"] as JsonArray, manifests);
    }

    private static void ApplyImages(JsonArray? images, List<Manifest> manifests)
    {
        foreach (var image in images?.OfType<JsonObject>() ?? [])
        {
            var name = image["name"]!.GetValue<string>();
            var newName = image["newName"]?.GetValue<string>() ?? name;
            var newTag = image["newTag"]?.GetValue<string>();
            foreach (var container in manifests.Where(m => m.Kind == "Deployment")
                         .SelectMany(m => m.Json["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var current = container["image"]?.GetValue<string>() ?? "";
                var (currentName, currentTag) = current.LastIndexOf(':') is var colon and > 0 && !current[colon..].Contains('/')
                    ? (current[..colon], current[(colon + 1)..])
                    : (current, null);
                if (currentName == name)
                {
                    container["image"] = newName + ((newTag ?? currentTag) is { } tag ? ":" + tag : "");
                }
            }
        }
    }

    private static void ApplyPatches(string directory, JsonArray? patches, List<Manifest> manifests)
    {
        foreach (var patch in patches?.OfType<JsonObject>() ?? [])
        {
            var path = patch["path"]?.GetValue<string>() ?? throw new NotSupportedException($"{directory}: inline patches are not used here");
            var source = Path.GetFullPath(Path.Combine(directory, path));
            if (YamlJson.LoadAll(File.ReadAllText(source)).Single() is not JsonArray operations)
            {
                throw new NotSupportedException($"{source}: only JSON 6902 patches (a list of operations) are used in k8s/");
            }
            var target = patch["target"] as JsonObject ?? throw new InvalidDataException($"{source}: a JSON 6902 patch needs a target");
            var kind = target["kind"]?.GetValue<string>();
            var name = target["name"]?.GetValue<string>();
            // kustomize matches a target's name as an anchored regular expression (`a|b` patches both).
            var matches = manifests.Where(m => (kind is null || m.Kind == kind)
                && (name is null || System.Text.RegularExpressions.Regex.IsMatch(m.Name, $"^(?:{name})$"))).ToList();
            if (matches.Count == 0)
            {
                throw new InvalidDataException($"{source}: target {kind}/{name} matches no resource");
            }
            foreach (var manifest in matches)
            {
                JsonPatch.Apply(manifest.Json, operations, $"{Path.GetFileName(source)} on {manifest.Kind}/{manifest.Name}");
            }
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        (node as JsonArray)?.Select(n => n!.GetValue<string>()) ?? [];
}
