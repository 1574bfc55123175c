using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Resources;

/// <summary>One YAML document of a resources folder, as written.</summary>
public sealed record DaprResource(string File, string? ApiVersion, string? Kind, string? Name, IReadOnlyDictionary<string, object?> Document)
{
    public IReadOnlyDictionary<string, object?>? Spec => Document.Map("spec");

    public IReadOnlyList<string> Scopes => Document.Strings("scopes");

    public string Describe() => $"{Kind ?? "?"} '{Name ?? "?"}'";
}

/// <summary><c>secretKeyRef</c>: daprd asks the store for secret <see cref="Name"/> and takes <see cref="Key"/> out of it (key defaults to the name).</summary>
public sealed record SecretKeyRef(string Name, string Key);

public sealed record MetadataItem(string Name, string? Value, SecretKeyRef? SecretRef, string? EnvRef);

/// <summary>A well-formed <c>kind: Component</c>.</summary>
public sealed record DaprComponent(DaprResource Resource, string Type, string Version, IReadOnlyList<MetadataItem> Metadata, string? SecretStore)
{
    public string Name => Resource.Name!;

    /// <summary>The building block: <c>state</c>, <c>pubsub</c>, <c>secretstores</c>, <c>middleware</c>, <c>bindings</c>…</summary>
    public string Category => Type.Split('.')[0];

    public IReadOnlyList<string> Scopes => Resource.Scopes;

    /// <summary>daprd matches metadata names case-insensitively; the first occurrence wins here.</summary>
    public MetadataItem? Find(string name) =>
        Metadata.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    public string? Value(string name) => Find(name)?.Value;

    public bool IsTruthy(string name) => Truthy(Value(name));

    public bool IsActorStateStore => Category == "state" && IsTruthy("actorStateStore");

    /// <summary>Whether <paramref name="appId"/> loads this component (no scopes = every app).</summary>
    public bool IsVisibleTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    public string Describe() => $"{Name} ({Type})";

    /// <summary>daprd's truthy spellings for boolean metadata.</summary>
    public static bool Truthy(string? value) =>
        value is not null && value.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "y" or "on";
}
