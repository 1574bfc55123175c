using System.Text.Json;
using Flipkart.EmbeddedDapr.Resources;

namespace Flipkart.EmbeddedDapr.Secrets;

/// <summary>A loaded secret store component.</summary>
public interface ISecretStore
{
    string Name { get; }
    string Type { get; }

    /// <summary>The secret's key/value map; throws <see cref="SecretNotFoundException"/> when absent.</summary>
    IReadOnlyDictionary<string, string> Get(string key, IReadOnlyDictionary<string, string> metadata);

    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata);
}

public sealed class SecretNotFoundException(string message) : Exception(message);

/// <summary><c>secretstores.local.file</c>: a JSON file flattened with <c>nestedSeparator</c>, optionally multi-valued.</summary>
internal sealed class LocalFileSecretStore : ISecretStore
{
    private readonly Dictionary<string, string> flat = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> multi = new(StringComparer.Ordinal);
    private readonly bool multiValued;

    public LocalFileSecretStore(ComponentDefinition component, string filePath)
    {
        Name = component.Name;
        multiValued = component.GetBool("multiValued");
        var separator = component.GetMetadata("nestedSeparator") is { Length: > 0 } s ? s : ":";
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(File.ReadAllText(filePath));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new DaprResourceException(
                $"[INIT_COMPONENT_FAILURE]: initialization error occurred for {component.Name} ({component.Type}/{component.Version}): failed to read secrets file {filePath}: {ex.Message}", ex);
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DaprResourceException(
                    $"[INIT_COMPONENT_FAILURE]: initialization error occurred for {component.Name} ({component.Type}/{component.Version}): secrets file {filePath} must hold a JSON object");
            }
            foreach (var property in json.RootElement.EnumerateObject())
            {
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                Flatten(property.Value, property.Name, separator, flat);
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var inner in property.Value.EnumerateObject())
                    {
                        Flatten(inner.Value, inner.Name, separator, values);
                    }
                }
                else
                {
                    Flatten(property.Value, property.Name, separator, values);
                }
                multi[property.Name] = values;
            }
        }
    }

    public string Name { get; }
    public string Type => "secretstores.local.file";

    public IReadOnlyDictionary<string, string> Get(string key, IReadOnlyDictionary<string, string> metadata)
    {
        if (multiValued)
        {
            return multi.TryGetValue(key, out var values) ? values : throw new SecretNotFoundException($"secret {key} not found");
        }
        return flat.TryGetValue(key, out var value)
            ? new Dictionary<string, string> { [key] = value }
            : throw new SecretNotFoundException($"secret {key} not found");
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata) =>
        multiValued
            ? multi.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string>)kv.Value)
            : flat.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { [kv.Key] = kv.Value });

    private static void Flatten(JsonElement element, string prefix, string separator, Dictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Flatten(p.Value, prefix + separator + p.Name, separator, into);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, prefix + separator + i++, separator, into);
                }
                break;
            case JsonValueKind.String:
                into[prefix] = element.GetString()!;
                break;
            default:
                into[prefix] = element.GetRawText();
                break;
        }
    }
}

/// <summary><c>secretstores.local.env</c>: process environment variables (optional <c>prefix</c>).</summary>
internal sealed class LocalEnvSecretStore(ComponentDefinition component) : ISecretStore
{
    private readonly string prefix = component.GetMetadata("prefix") ?? "";

    public string Name { get; } = component.Name;
    public string Type => "secretstores.local.env";

    // Like the contrib store, a missing variable is an empty value, not an error.
    public IReadOnlyDictionary<string, string> Get(string key, IReadOnlyDictionary<string, string> metadata) =>
        new Dictionary<string, string> { [key] = Environment.GetEnvironmentVariable(prefix + key) ?? "" };

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                var key = name[prefix.Length..];
                result[key] = new Dictionary<string, string> { [key] = (string?)e.Value ?? "" };
            }
        }
        return result;
    }
}

/// <summary><c>secretstores.kubernetes</c>: accepted in the resources folder, but unusable outside Kubernetes.</summary>
internal sealed class KubernetesSecretStore(ComponentDefinition component) : ISecretStore
{
    public string Name { get; } = component.Name;
    public string Type => "secretstores.kubernetes";

    public IReadOnlyDictionary<string, string> Get(string key, IReadOnlyDictionary<string, string> metadata) =>
        throw new InvalidOperationException("kubernetes secret store is not available in self-hosted mode");

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata) =>
        throw new InvalidOperationException("kubernetes secret store is not available in self-hosted mode");
}
