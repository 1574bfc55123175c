using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flipkart.Deployment.Tests;

// Typed Dapr custom resources, so KubernetesYaml can load the whole composed output (strictly: an
// unknown field anywhere is an error) alongside the built-in Kubernetes kinds.

public sealed class DaprComponentResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public DaprComponentSpec Spec { get; set; } = new();
    [JsonPropertyName("scopes")] public IList<string>? Scopes { get; set; }
    [JsonPropertyName("auth")] public DaprComponentAuth? Auth { get; set; }
}

public sealed class DaprComponentSpec
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("version")] public string Version { get; set; } = "";
    [JsonPropertyName("metadata")] public IList<DaprMetadataItem>? Metadata { get; set; }
    [JsonPropertyName("ignoreErrors")] public bool? IgnoreErrors { get; set; }
    [JsonPropertyName("initTimeout")] public string? InitTimeout { get; set; }
}

public sealed class DaprMetadataItem
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string? Value { get; set; }
    [JsonPropertyName("secretKeyRef")] public DaprSecretKeyRef? SecretKeyRef { get; set; }
    [JsonPropertyName("envRef")] public string? EnvRef { get; set; }
}

public sealed class DaprSecretKeyRef
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("key")] public string? Key { get; set; }
}

public sealed class DaprComponentAuth
{
    [JsonPropertyName("secretStore")] public string? SecretStore { get; set; }
}

/// <summary>Configuration and Resiliency: metadata typed, spec kept as a tree (it is checked field by field).</summary>
public sealed class DaprSpecResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public Dictionary<string, object> Spec { get; set; } = [];
    [JsonPropertyName("scopes")] public IList<string>? Scopes { get; set; }
}

public static class DaprTypes
{
    public static readonly IDictionary<string, Type> Map = new Dictionary<string, Type>
    {
        ["dapr.io/v1alpha1/Component"] = typeof(DaprComponentResource),
        ["dapr.io/v1alpha1/Configuration"] = typeof(DaprSpecResource),
        ["dapr.io/v1alpha1/Resiliency"] = typeof(DaprSpecResource),
    };
}
