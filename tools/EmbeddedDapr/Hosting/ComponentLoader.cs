using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.Secrets;
using Flipkart.EmbeddedDapr.State;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Flipkart.EmbeddedDapr.Hosting;

/// <summary>Validates and initialises components the way daprd does at start-up.</summary>
internal static class ComponentLoader
{
    /// <summary>Types the embedded sidecar accepts, with their versions. Modules add theirs via ISidecarModule.ComponentTypes.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> CoreTypes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["state.in-memory"] = ["v1"],
        ["state.redis"] = ["v1"],
        ["state.mysql"] = ["v1"],
        ["state.postgresql"] = ["v1", "v2"],
        ["state.mongodb"] = ["v1"],
        ["state.cassandra"] = ["v1"],
        ["secretstores.local.file"] = ["v1"],
        ["secretstores.local.env"] = ["v1"],
        ["secretstores.kubernetes"] = ["v1"],
        ["pubsub.in-memory"] = ["v1"],
        ["pubsub.redis"] = ["v1"],
        ["pubsub.kafka"] = ["v1"],
        ["pubsub.rabbitmq"] = ["v1"],
        ["middleware.http.ratelimit"] = ["v1"],
    };

    public sealed record Loaded(
        IReadOnlyList<ComponentDefinition> Components,
        IReadOnlyDictionary<string, StateStore> StateStores,
        IReadOnlyDictionary<string, ISecretStore> SecretStores);

    public static Loaded Load(DaprResources resources, EmbeddedDaprClusterOptions options, IEnumerable<string> moduleTypes, ILogger logger)
    {
        var extraTypes = moduleTypes.ToHashSet(StringComparer.Ordinal);
        var active = new List<ComponentDefinition>();
        var secretStores = new Dictionary<string, ISecretStore>(StringComparer.Ordinal);
        var stateStores = new Dictionary<string, StateStore>(StringComparer.Ordinal);

        // Secret stores first: other components resolve secretKeyRef through them.
        foreach (var component in resources.Components.OrderBy(c => c.Category == "secretstores" ? 0 : 1))
        {
            try
            {
                ValidateType(component, extraTypes);
                ResolveMetadata(component, secretStores);
                ValidateRequiredMetadata(component);
                switch (component.Category)
                {
                    case "secretstores":
                        secretStores[component.Name] = CreateSecretStore(component, resources, options);
                        break;
                    case "state":
                        var behavior = StateStoreBehavior.For(component.Type, component.Version)!;
                        stateStores[component.Name] = new StateStore(component, behavior, new InMemoryStateBackend(options.TimeProvider));
                        break;
                }
                active.Add(component);
            }
            catch (DaprResourceException ex) when (component.IgnoreErrors)
            {
                logger.LogWarning("Ignoring component {Name} (ignoreErrors: true): {Error}", component.Name, ex.Message);
            }
        }

        var actorStores = stateStores.Values.Where(s => s.IsActorStateStore).ToArray();
        if (actorStores.Length > 1)
        {
            throw new DaprResourceException($"detected duplicate actor state store: {actorStores[1].Name} (already have {actorStores[0].Name})");
        }
        return new Loaded(active, stateStores, secretStores);
    }

    private static DaprResourceException InitFailure(ComponentDefinition c, string detail) =>
        new($"[INIT_COMPONENT_FAILURE]: initialization error occurred for {c.Name} ({c.Type}/{c.Version}): {detail}");

    private static void ValidateType(ComponentDefinition c, HashSet<string> extraTypes)
    {
        if (c.Type.Length == 0)
        {
            throw new DaprResourceException($"error loading component {c.Name} from {c.Document.Source}: spec.type is required");
        }
        if (CoreTypes.TryGetValue(c.Type, out var versions))
        {
            if (!versions.Contains(c.Version, StringComparer.Ordinal))
            {
                throw InitFailure(c, $"couldn't find {Noun(c)} {c.Type}/{c.Version}");
            }
            return;
        }
        if (!extraTypes.Contains(c.Type))
        {
            throw InitFailure(c, $"couldn't find {Noun(c)} {c.Type}/{c.Version}");
        }
    }

    private static string Noun(ComponentDefinition c) => c.Category switch
    {
        "state" => "state store",
        "pubsub" => "pubsub",
        "secretstores" => "secret store",
        "middleware" => "middleware",
        "bindings" => "binding",
        "lock" => "lock",
        "configuration" => "configuration store",
        _ => "component",
    };

    private static void ResolveMetadata(ComponentDefinition c, Dictionary<string, ISecretStore> secretStores)
    {
        foreach (var (name, item) in c.RawMetadataItems())
        {
            if (item.Children.TryGetValue(new YamlScalarNode("secretKeyRef"), out var refNode) && refNode is YamlMappingNode secretRef)
            {
                var secretName = YamlJson.ScalarText(secretRef.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? n : null) ?? "";
                var secretKey = YamlJson.ScalarText(secretRef.Children.TryGetValue(new YamlScalarNode("key"), out var k) ? k : null);
                if (c.SecretStore is null || !secretStores.TryGetValue(c.SecretStore, out var store))
                {
                    throw InitFailure(c, $"failed to resolve secretKeyRef {secretName}: secret store {c.SecretStore ?? "(auth.secretStore not set)"} not found");
                }
                try
                {
                    var values = store.Get(secretName, new Dictionary<string, string>());
                    var key = string.IsNullOrEmpty(secretKey) ? secretName : secretKey;
                    c.metadata[name] = values.TryGetValue(key, out var v)
                        ? v
                        : throw new SecretNotFoundException($"secret {secretName} has no key {key}");
                }
                catch (Exception ex) when (ex is SecretNotFoundException or InvalidOperationException)
                {
                    throw InitFailure(c, $"failed to resolve secretKeyRef {secretName}: {ex.Message}");
                }
            }
            else if (item.Children.TryGetValue(new YamlScalarNode("envRef"), out var envNode))
            {
                c.metadata[name] = Environment.GetEnvironmentVariable(YamlJson.ScalarText(envNode) ?? "") ?? "";
            }
            else
            {
                var value = YamlJson.ScalarText(item.Children.TryGetValue(new YamlScalarNode("value"), out var v) ? v : null) ?? "";
                // {uuid} is expanded per occurrence, as daprd does.
                while (value.Contains("{uuid}", StringComparison.Ordinal))
                {
                    var at = value.IndexOf("{uuid}", StringComparison.Ordinal);
                    value = string.Concat(value.AsSpan(0, at), Guid.NewGuid().ToString(), value.AsSpan(at + 6));
                }
                c.metadata[name] = value;
            }
        }
    }

    private static void ValidateRequiredMetadata(ComponentDefinition c)
    {
        bool Missing(string name) => string.IsNullOrWhiteSpace(c.GetMetadata(name));
        var error = c.Type switch
        {
            "state.redis" or "pubsub.redis" when Missing("redisHost") => "redis: redisHost is required",
            "state.mysql" when Missing("connectionString") => "missing connection string",
            "state.postgresql" when Missing("connectionString") && Missing("host") => "missing connection string",
            "state.mongodb" when Missing("host") && Missing("server") => "must set 'host' or 'server' fields in metadata",
            "state.cassandra" when Missing("hosts") => "missing or empty hosts field from metadata",
            "pubsub.kafka" when Missing("brokers") => "kafka error: missing 'brokers' attribute",
            "pubsub.kafka" when Missing("authType") && Missing("authRequired") => "kafka error: missing 'authType' attribute",
            "secretstores.local.file" when Missing("secretsFile") => "missing local secrets file in metadata",
            _ => null,
        };
        if (error is not null)
        {
            throw InitFailure(c, error);
        }
    }

    private static ISecretStore CreateSecretStore(ComponentDefinition c, DaprResources resources, EmbeddedDaprClusterOptions options) => c.Type switch
    {
        "secretstores.local.file" => new LocalFileSecretStore(c, ResolveSecretsFile(c, resources, options)),
        "secretstores.local.env" => new LocalEnvSecretStore(c),
        _ => new KubernetesSecretStore(c),
    };

    /// <summary>
    /// daprd resolves a relative <c>secretsFile</c> from its working directory; the embedded sidecar tries that
    /// directory first and then the resources folder and each of its ancestors, so the same component file works
    /// from the repository root (dapr.yaml) and from a test's bin folder.
    /// </summary>
    private static string ResolveSecretsFile(ComponentDefinition c, DaprResources resources, EmbeddedDaprClusterOptions options)
    {
        var file = c.GetMetadata("secretsFile")!;
        if (Path.IsPathRooted(file))
        {
            return file;
        }
        var candidates = new List<string> { Path.Combine(options.WorkingDirectory ?? Directory.GetCurrentDirectory(), file) };
        for (var dir = resources.Directory is null ? null : new DirectoryInfo(resources.Directory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, file));
        }
        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }
}
