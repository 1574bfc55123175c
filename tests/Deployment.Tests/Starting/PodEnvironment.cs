using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Flipkart.Deployment.Tests.Starting;

/// <summary>
/// The Kubernetes Secrets an overlay's pods reference, as a platform team creates them with <c>kubectl create secret</c>
/// (k8s/README.md): one random value per secret and key, the same wherever it is referenced.
/// </summary>
public sealed class ClusterSecrets
{
    private readonly Dictionary<(string Name, string Key), string> _values = [];

    public IEnumerable<string> Names => _values.Keys.Select(k => k.Name).Distinct();

    public string Get(string name, string key)
    {
        lock (_values)
        {
            if (!_values.TryGetValue((name, key), out var value))
            {
                value = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
                _values[(name, key)] = value;
            }
            return value;
        }
    }
}

/// <summary>
/// A container's environment exactly as the kubelet hands it over: literal values, <c>secretKeyRef</c> from the
/// cluster's secrets, <c>configMapKeyRef</c> from the composed ConfigMaps and <c>fieldRef</c> from the pod; then what
/// the Dapr injector adds to the app container (its sidecar's ports and the app protocol, never overriding).
/// </summary>
public static class PodEnvironment
{
    public static Dictionary<string, string> Render(ComposedOverlay overlay, V1Deployment deployment, V1Container container, ClusterSecrets secrets)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable switch
            {
                { Value: { } value } => value,
                { ValueFrom.SecretKeyRef: { } secret } => secrets.Get(secret.Name, secret.Key),
                { ValueFrom.ConfigMapKeyRef: { } map } => overlay.Json("ConfigMap", map.Name)["data"]?[map.Key]?.GetValue<string>()
                    ?? throw new InvalidOperationException($"{deployment.Metadata.Name}: ConfigMap {map.Name} has no key {map.Key}"),
                { ValueFrom.FieldRef.FieldPath: "metadata.namespace" } => deployment.Metadata.NamespaceProperty,
                { ValueFrom.FieldRef.FieldPath: { } field } => throw new NotSupportedException($"{deployment.Metadata.Name}: fieldRef {field} is not rendered by this test"),
                _ => "",
            };
        }
        return env;
    }

    /// <summary>What dapr/dapr pkg/injector/patcher (addDaprEnvVarsToContainers) adds to every container of a Dapr pod.</summary>
    public static void AddInjectedDaprVariables(Dictionary<string, string> env, int daprHttpPort, int daprGrpcPort, string? appProtocol)
    {
        env.TryAdd("DAPR_HTTP_PORT", daprHttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        env.TryAdd("DAPR_GRPC_PORT", daprGrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(appProtocol))
        {
            env.TryAdd("APP_PROTOCOL", appProtocol);
        }
    }

    /// <summary>The composed Dapr resources written out as a resources folder, one file each.</summary>
    public static void WriteDaprResources(IEnumerable<Kustomize.Manifest> manifests, string folder)
    {
        foreach (var manifest in manifests.Where(m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal)))
        {
            File.WriteAllText(Path.Combine(folder, $"{manifest.Kind}-{manifest.Name}.yaml"), manifest.Json.ToJsonString());
        }
    }

    /// <summary>
    /// A cloud secret store (Key Vault, Secrets Manager) cannot be reached from here: the same component name becomes a
    /// file store holding every secret the overlay's components reference through it, each with a random value, so
    /// every <c>secretKeyRef</c> still has to resolve by name. Everything else stays as the overlay composed it.
    /// </summary>
    public static void SubstituteCloudSecretStores(IEnumerable<Kustomize.Manifest> manifests, string folder)
    {
        var list = manifests.Where(m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal)).ToList();
        foreach (var store in list.Where(m => m.Kind == "Component" && IsCloudSecretStore(m)))
        {
            var secrets = new JsonObject();
            foreach (var component in list.Where(m => m.Kind == "Component" && m.Json["auth"]?["secretStore"]?.GetValue<string>() == store.Name))
            {
                foreach (var reference in (component.Json["spec"]?["metadata"] as JsonArray ?? []).Select(m => m?["secretKeyRef"]).OfType<JsonObject>())
                {
                    var name = reference["name"]!.GetValue<string>();
                    secrets[name] = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
                }
            }
            var file = Path.Combine(folder, $"{store.Name}-secrets.json");
            File.WriteAllText(file, secrets.ToJsonString());
            var substitute = store.Json.DeepClone().AsObject();
            substitute["spec"] = new JsonObject
            {
                ["type"] = "secretstores.local.file",
                ["version"] = "v1",
                ["metadata"] = new JsonArray(new JsonObject { ["name"] = "secretsFile", ["value"] = file }),
            };
            File.WriteAllText(Path.Combine(folder, $"{store.Kind}-{store.Name}.yaml"), substitute.ToJsonString());
        }
    }

    public static bool IsCloudSecretStore(Kustomize.Manifest manifest) =>
        manifest.Json["spec"]?["type"]?.GetValue<string>() is "secretstores.azure.keyvault" or "secretstores.aws.secretmanager";
}
