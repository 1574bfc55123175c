using System.Text;
using System.Text.Json.Nodes;
using Flipkart.Deployment.Tests.Kustomize;
using k8s;
using k8s.Models;

namespace Flipkart.Deployment.Tests;

/// <summary>An overlay composed like `kustomize build` and loaded into typed Kubernetes objects.</summary>
public sealed class ComposedOverlay
{
    private static readonly Dictionary<string, ComposedOverlay> Cache = [];

    private ComposedOverlay(string name, IReadOnlyList<Manifest> manifests, IReadOnlyList<object> objects)
    {
        Name = name;
        Manifests = manifests;
        Objects = objects;
    }

    public string Name { get; }

    public IReadOnlyList<Manifest> Manifests { get; }

    public IReadOnlyList<object> Objects { get; }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public IReadOnlyList<V1Deployment> Deployments => [.. All<V1Deployment>()];

    public IReadOnlyList<DaprComponentResource> Components => [.. All<DaprComponentResource>()];

    public IReadOnlyList<DaprSpecResource> Configurations => [.. All<DaprSpecResource>().Where(r => r.Kind == "Configuration")];

    public static ComposedOverlay Load(string overlay)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(overlay, out var composed))
            {
                composed = Compose(overlay, null);
                Cache[overlay] = composed;
            }
            return composed;
        }
    }

    /// <summary>A fresh composition, with entries of the overlay's values file replaced (as a team would edit it).</summary>
    public static ComposedOverlay Compose(string overlay, IReadOnlyDictionary<string, string>? valueOverrides)
    {
        var manifests = Kustomization.Build(Repository.Path("k8s", overlay), valueOverrides);
        // The composed stream, as `kustomize build` would print it (JSON is YAML), loaded strictly.
        var text = new StringBuilder();
        foreach (var manifest in manifests)
        {
            text.Append("---\n").Append(manifest.Json.ToJsonString()).Append('\n');
        }
        var objects = KubernetesYaml.LoadAllFromString(text.ToString(), DaprTypes.Map, strict: true);
        return new ComposedOverlay(overlay, manifests, [.. objects]);
    }

    public JsonObject Json(string kind, string name) => Manifests.Single(m => m.Kind == kind && m.Name == name).Json;
}
