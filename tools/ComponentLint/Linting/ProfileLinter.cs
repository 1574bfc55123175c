using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flipkart.ComponentLint.Needs;
using Flipkart.ComponentLint.Resources;
using Flipkart.ComponentLint.Schemas;
using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Linting;

/// <summary>
/// Checks a profile (a Dapr resources folder) the way daprd would load it, plus what daprd never checks:
/// that every service finds the components it needs, visible to it, with the capabilities it relies on.
/// </summary>
/// <param name="repositoryRoot">The repository: app folders (services/&lt;Svc&gt;) are where relative <c>secretsFile</c> paths resolve.</param>
public sealed partial class ProfileLinter(ServiceNeeds needs, string repositoryRoot)
{
    private static readonly string[] KnownKinds = ["Component", "Configuration", "Resiliency", "Subscription", "HTTPEndpoint"];

    public LintResult Lint(Profile profile)
    {
        var findings = new List<Finding>();
        foreach (var (file, error) in profile.Unreadable)
        {
            findings.Add(new Finding(Severity.Error, $"not valid YAML ({error}); daprd would fail to load it", File: Relative(file)));
        }
        foreach (var (first, second) in profile.Duplicates)
        {
            findings.Add(new Finding(Severity.Error,
                $"{second.Describe()} is defined twice ({Relative(first.File)} and {Relative(second.File)}); daprd keeps only one",
                File: Relative(second.File)));
        }

        CheckNeedsVocabulary(findings);

        var components = new List<DaprComponent>();
        foreach (var resource in profile.Resources)
        {
            if (CheckShape(resource, findings) is { } component)
            {
                components.Add(component);
            }
        }

        foreach (var component in components)
        {
            CheckMetadata(component, findings);
            CheckScopes(component.Describe(), component.Scopes, component.Resource.File, findings);
            CheckSecretReferences(component, components, findings);
        }
        foreach (var resource in profile.Resources.Where(r => r.Kind is "Configuration" or "Resiliency" or "Subscription"))
        {
            CheckScopes($"{resource.Kind} '{resource.Name}'", resource.Scopes, resource.File, findings);
        }

        var verdicts = needs.Services.Select(s => CheckService(s, profile, components, findings)).ToList();
        CheckActorStore(components, findings);
        CheckConfigurations(profile, findings);
        CheckInvocations(profile, findings);
        CheckResiliency(profile, components, findings);
        CheckLeastPrivilege(components, findings);

        return new LintResult(profile, components, findings, verdicts);
    }

    // ---------------------------------------------------------------- the needs file itself

    private void CheckNeedsVocabulary(List<Finding> findings)
    {
        foreach (var service in needs.Services)
        {
            foreach (var use in service.Uses)
            {
                var vocabulary = use.Kind switch
                {
                    "state" => Capabilities.StateNeeds,
                    "pubsub" => Capabilities.PubSubNeeds,
                    _ => [],
                };
                foreach (var need in use.Needs.Where(n => !vocabulary.Contains(n)))
                {
                    findings.Add(new Finding(Severity.Error,
                        $"need '{need}' for {use.Kind} component '{use.Component}' is not one the lint can check",
                        Service: service.AppId,
                        Fix: vocabulary.Count == 0 ? $"{use.Kind} components take no needs" : $"use one of: {string.Join(", ", vocabulary)}",
                        File: Relative(needs.File)));
                }
            }
        }
    }

    // ---------------------------------------------------------------- shape

    private DaprComponent? CheckShape(DaprResource resource, List<Finding> findings)
    {
        var where = Relative(resource.File);
        void Error(string message) => findings.Add(new Finding(Severity.Error, message, Component: resource.Name, File: where));

        if (resource.Kind is null || !KnownKinds.Contains(resource.Kind))
        {
            findings.Add(new Finding(Severity.Warning,
                $"kind '{resource.Kind ?? "(none)"}' is not a Dapr resource kind ({string.Join(", ", KnownKinds)}); daprd ignores this document",
                File: where));
            return null;
        }
        var expectedVersions = resource.Kind == "Subscription" ? new[] { "dapr.io/v1alpha1", "dapr.io/v2alpha1" } : ["dapr.io/v1alpha1"];
        if (!expectedVersions.Contains(resource.ApiVersion))
        {
            Error($"{resource.Describe()} has apiVersion '{resource.ApiVersion ?? "(none)"}'; expected {string.Join(" or ", expectedVersions)}");
        }
        if (string.IsNullOrWhiteSpace(resource.Name))
        {
            Error($"a {resource.Kind} without metadata.name");
            return null;
        }
        if (resource.Document.TryGetValue("scopes", out var scopes) && scopes is not null && scopes is not IReadOnlyList<object?>)
        {
            Error($"{resource.Describe()}: `scopes` must be a list of app ids");
        }
        if (resource.Kind != "Component")
        {
            return null;
        }

        var spec = resource.Spec;
        var type = spec.Str("type");
        var version = spec.Str("version");
        if (spec is null || string.IsNullOrWhiteSpace(type))
        {
            Error("component without spec.type; daprd cannot create it");
            return null;
        }
        if (string.IsNullOrWhiteSpace(version))
        {
            Error($"{resource.Name} ({type}): spec.version is missing; daprd refuses a component without a version (usually v1)");
            return null;
        }

        var items = new List<MetadataItem>();
        if (spec.TryGetValue("metadata", out var raw) && raw is not null and not IReadOnlyList<object?>)
        {
            Error($"{resource.Name} ({type}): spec.metadata must be a list of {{name, value | secretKeyRef | envRef}}");
        }
        foreach (var entry in spec.List("metadata") ?? [])
        {
            var item = entry as IReadOnlyDictionary<string, object?>;
            var name = item.Str("name");
            if (item is null || string.IsNullOrWhiteSpace(name))
            {
                Error($"{resource.Name} ({type}): a metadata entry without `name`");
                continue;
            }
            var secretRef = item.Map("secretKeyRef");
            var sources = new[] { item.ContainsKey("value"), secretRef is not null, item.ContainsKey("envRef") }.Count(b => b);
            if (sources != 1)
            {
                Error($"{resource.Name} ({type}): metadata '{name}' must have exactly one of value, secretKeyRef, envRef");
            }
            SecretKeyRef? reference = null;
            if (secretRef is not null)
            {
                var refName = secretRef.Str("name");
                if (string.IsNullOrWhiteSpace(refName))
                {
                    Error($"{resource.Name} ({type}): metadata '{name}' has a secretKeyRef without `name`");
                }
                else
                {
                    reference = new SecretKeyRef(refName, secretRef.Str("key") ?? refName);
                }
            }
            items.Add(new MetadataItem(name, item.Str("value"), reference, item.Str("envRef")));
        }
        return new DaprComponent(resource, type, version, items, resource.Document.Map("auth").Str("secretStore"));
    }

    // ---------------------------------------------------------------- metadata against the schema table

    private void CheckMetadata(DaprComponent component, List<Finding> findings)
    {
        var where = Relative(component.Resource.File);
        void Report(Severity severity, string message, string? fix = null) =>
            findings.Add(new Finding(severity, message, Component: component.Describe(), Fix: fix, File: where));

        foreach (var group in component.Metadata.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            Report(Severity.Warning, $"metadata '{group.Key}' is set {group.Count()} times; only one value is used");
        }

        if (!ComponentSchemas.ByType.TryGetValue(component.Type, out var schema))
        {
            Report(Severity.Warning, $"the lint has no schema for {component.Type}; its metadata is not checked");
            return;
        }
        if (!schema.Versions.Contains(component.Version))
        {
            Report(Severity.Error, $"version '{component.Version}' does not exist for {component.Type}; daprd fails to create it",
                $"use {string.Join(" or ", schema.Versions)}");
        }

        var known = ComponentSchemas.KnownFields(schema).ToList();
        foreach (var field in schema.Fields.Where(f => f.Required && component.Find(f.Name) is null))
        {
            Report(Severity.Error, $"required metadata '{field.Name}' is missing; daprd refuses to start with this component",
                $"add `- name: {field.Name}` to spec.metadata");
        }

        foreach (var item in component.Metadata)
        {
            var field = known.FirstOrDefault(f => string.Equals(f.Name, item.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null)
            {
                var suggestion = Closest(item.Name, known.Select(f => f.Name));
                Report(Severity.Warning,
                    $"unknown metadata '{item.Name}' for {component.Type}: daprd ignores it silently, so whatever it was meant to set keeps its default",
                    suggestion is null ? "remove it" : $"did you mean '{suggestion}'?");
                continue;
            }
            if (field.ReplacedBy is { } replacement)
            {
                Report(Severity.Warning, $"metadata '{item.Name}' is deprecated", $"use '{replacement}'");
            }
            if (field.Sensitive && item.SecretRef is null && !string.IsNullOrEmpty(item.Value))
            {
                Report(Severity.Warning, $"'{item.Name}' holds a secret in plain text", "use secretKeyRef with auth.secretStore");
            }
            if (item.Value is { } value && item.SecretRef is null)
            {
                CheckValue(field, value, Report);
            }
        }

        // Rules the field list cannot express; each is a start-up failure in daprd.
        if (component.Category == "state" && component.Value("keyPrefix") is { } prefix && prefix.Contains("||", StringComparison.Ordinal))
        {
            Report(Severity.Error, "keyPrefix may not contain '||' (daprd's key separator)");
        }
        if (component.Type == "pubsub.rabbitmq" && int.TryParse(component.Value("deliveryMode"), out var mode) && mode > 2)
        {
            Report(Severity.Error, $"deliveryMode {mode} is invalid (0-2); daprd fails to create the component", "use 2 for persistent messages");
        }
        if (component.Type == "middleware.http.ratelimit"
            && double.TryParse(component.Value("maxRequestsPerSecond"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate <= 0)
        {
            Report(Severity.Error, "maxRequestsPerSecond must be greater than 0; the middleware fails to initialise");
        }
        if (component.IsTruthy("useEntraID") && !component.IsTruthy("enableTLS"))
        {
            Report(Severity.Error, "useEntraID needs enableTLS: \"true\" (Azure Cache for Redis accepts Entra ID only over TLS)");
        }
    }

    private static void CheckValue(MetadataField field, string value, Action<Severity, string, string?> report)
    {
        if (value.Contains('{') && TemplatePattern().IsMatch(value))
        {
            return; // {appID}, {uuid}, {podName}, {namespace} are substituted by daprd
        }
        switch (field.Type)
        {
            case FieldType.Number when !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _):
                report(Severity.Error, $"'{field.Name}' must be a number, not \"{value}\"; daprd fails to decode the metadata", null);
                break;
            case FieldType.Duration when !DurationPattern().IsMatch(value.Trim()):
                report(Severity.Error, $"'{field.Name}' must be a duration like \"5s\" or \"1m30s\", not \"{value}\"; daprd fails to decode the metadata", null);
                break;
            case FieldType.Bool when value.Trim().ToLowerInvariant() is not ("true" or "false" or "1" or "0" or "yes" or "no" or "y" or "n" or "on" or "off"):
                report(Severity.Warning, $"'{field.Name}' is \"{value}\", which daprd reads as false", "write \"true\" or \"false\"");
                break;
        }
        if (field.AllowedValues is { } allowed && !allowed.Contains(value, StringComparer.Ordinal))
        {
            report(Severity.Error, $"'{field.Name}' is \"{value}\"; allowed: {string.Join(", ", allowed)}", null);
        }
    }

    // ---------------------------------------------------------------- scopes and secrets

    private void CheckScopes(string subject, IReadOnlyList<string> scopes, string file, List<Finding> findings)
    {
        foreach (var appId in scopes.Where(s => !needs.AppIds.Contains(s)))
        {
            var suggestion = Closest(appId, needs.AppIds);
            findings.Add(new Finding(Severity.Error,
                $"scopes name '{appId}', which is not an app id of this system ({string.Join(", ", needs.AppIds)})",
                Component: subject, Fix: suggestion is null ? "remove it" : $"did you mean '{suggestion}'?", File: Relative(file)));
        }
    }

    private void CheckSecretReferences(DaprComponent component, IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        var references = component.Metadata.Where(m => m.SecretRef is not null).ToList();
        if (references.Count == 0)
        {
            return;
        }
        var where = Relative(component.Resource.File);
        void Error(string message, string fix) => findings.Add(new Finding(Severity.Error, message, Component: component.Describe(), Fix: fix, File: where));

        if (component.SecretStore is null)
        {
            Error("uses secretKeyRef but names no auth.secretStore; outside Kubernetes daprd cannot resolve it and refuses to start",
                "add `auth: { secretStore: secretstore }`");
            return;
        }
        var store = components.FirstOrDefault(c => c.Name == component.SecretStore);
        if (store is null || store.Category != "secretstores")
        {
            Error(store is null
                    ? $"auth.secretStore '{component.SecretStore}' does not exist in this profile; daprd cannot resolve its secretKeyRefs"
                    : $"auth.secretStore '{component.SecretStore}' is {store.Type}, not a secret store",
                "point auth.secretStore at a secretstores.* component");
            return;
        }
        var blind = UsersOf(component).Where(app => !store.IsVisibleTo(app)).ToList();
        if (blind.Count > 0)
        {
            Error($"is loaded by {string.Join(", ", blind)}, whose sidecars cannot see secret store '{store.Name}' (scopes) to resolve its secretKeyRefs",
                $"add {string.Join(", ", blind)} to {store.Name}'s scopes");
        }
        foreach (var item in references)
        {
            if (LookUpSecret(store, item.SecretRef!.Name, item.SecretRef.Key) is { } problem)
            {
                Error($"metadata '{item.Name}' refers to secret '{item.SecretRef.Name}' key '{item.SecretRef.Key}', but {problem}",
                    $"add \"{item.SecretRef.Name}\" to {SecretsFileDisplay(store)}");
            }
        }
    }

    /// <summary>Apps whose sidecars load <paramref name="component"/>.</summary>
    private IReadOnlyList<string> UsersOf(DaprComponent component) =>
        component.Scopes.Count == 0 ? needs.AppIds : component.Scopes;

    /// <summary>Null when the secret resolves; otherwise why not. Only file stores can be checked offline.</summary>
    private string? LookUpSecret(DaprComponent store, string name, string key)
    {
        if (store.Type != "secretstores.local.file")
        {
            return null;
        }
        var path = SecretsFilePath(store);
        if (path is null || !File.Exists(path))
        {
            return $"{store.Name}'s secretsFile '{store.Value("secretsFile")}' does not exist (resolved from an app folder services/<Svc>: {path})";
        }
        Dictionary<string, JsonElement> secrets;
        try
        {
            secrets = Flatten(JsonDocument.Parse(File.ReadAllText(path)).RootElement, store.Value("nestedSeparator") ?? ":", store.IsTruthy("multiValued"));
        }
        catch (JsonException e)
        {
            return $"{Relative(path)} is not valid JSON ({e.Message})";
        }
        if (!secrets.TryGetValue(name, out var secret))
        {
            return $"{Relative(path)} has no secret '{name}'";
        }
        // A single-valued file store returns {name: value}; a multi-valued one returns the object's members.
        var keys = store.IsTruthy("multiValued") && secret.ValueKind == JsonValueKind.Object
            ? secret.EnumerateObject().Select(p => p.Name).ToList()
            : [name];
        return keys.Contains(key) ? null : $"secret '{name}' holds only key(s) {string.Join(", ", keys)}";
    }

    private static Dictionary<string, JsonElement> Flatten(JsonElement root, string separator, bool multiValued)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        void Walk(JsonElement element, string prefix)
        {
            foreach (var property in element.EnumerateObject())
            {
                var name = prefix.Length == 0 ? property.Name : prefix + separator + property.Name;
                if (property.Value.ValueKind == JsonValueKind.Object && !(multiValued && prefix.Length == 0))
                {
                    Walk(property.Value, name);
                }
                else
                {
                    result[name] = property.Value;
                }
            }
        }
        Walk(root, "");
        return result;
    }

    /// <summary>
    /// Where daprd would find the file: relative paths resolve from its working directory, which under
    /// `dapr run -f` is an app folder two levels below the root (services/&lt;Svc&gt;), and the profile folder
    /// (also two levels down) resolves it the same way. Both are tried; a path that works from neither fails.
    /// </summary>
    private string? SecretsFilePath(DaprComponent store)
    {
        if (store.Value("secretsFile") is not { Length: > 0 } file)
        {
            return null;
        }
        if (Path.IsPathRooted(file))
        {
            return file;
        }
        var candidates = new[] { Path.Combine(repositoryRoot, "services", "app"), Path.GetDirectoryName(store.Resource.File)! }
            .Select(dir => Path.GetFullPath(Path.Combine(dir, file)));
        return candidates.FirstOrDefault(File.Exists) ?? candidates.First();
    }

    private string SecretsFileDisplay(DaprComponent store) =>
        store.Type == "secretstores.local.file" ? store.Value("secretsFile") ?? "the secrets file" : $"the {store.Type} store";

    // ---------------------------------------------------------------- service needs

    private ServiceVerdict CheckService(ServiceNeed service, Profile profile, IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        var uses = new List<(string, string, bool)>();
        foreach (var use in service.Uses)
        {
            var before = findings.Count(f => f.Severity == Severity.Error);
            var component = components.FirstOrDefault(c => c.Name == use.Component);
            CheckUse(service, use, component, profile, components, findings);
            uses.Add((use.Component, component?.Type ?? "missing", findings.Count(f => f.Severity == Severity.Error) == before));
        }
        var actorStores = components.Where(c => c.IsActorStateStore).ToList();
        var actorsOk = !service.NeedsActorStore
            || (actorStores is [var only] && only.IsVisibleTo(service.AppId) && ActorProblems(only) is null);
        if (service.Config is { } config && !profile.Resources.Any(r => r.Kind == "Configuration" && r.Name == config))
        {
            findings.Add(new Finding(Severity.Error, $"runs with Configuration '{config}', which this profile does not define",
                Service: service.AppId, Fix: $"add a `kind: Configuration` named {config}"));
        }
        var actorStore = !service.NeedsActorStore ? null
            : actorStores.Count == 0 ? "none" : string.Join(" + ", actorStores.Select(c => c.Describe()));
        return new ServiceVerdict(service.AppId, uses, actorStore, actorsOk, service.Invokes.Count);
    }

    private void CheckUse(ServiceNeed service, ComponentUse use, DaprComponent? component, Profile profile,
        IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        var needText = use.Needs.Count > 0 ? string.Join(", ", use.Needs) : use.Kind;
        void Error(string message, string fix, string? need = null) => findings.Add(new Finding(Severity.Error, message,
            Service: service.AppId, Need: need ?? needText, Component: component?.Describe() ?? use.Component, Fix: fix,
            File: component is null ? null : Relative(component.Resource.File)));

        if (component is null)
        {
            Error($"no component named '{use.Component}' in this profile",
                $"add a {use.Kind} component named {use.Component} with {service.AppId} in its scopes");
            return;
        }
        if (!string.Equals(component.Category, use.Kind, StringComparison.OrdinalIgnoreCase))
        {
            Error($"it is a {component.Category} component, not {use.Kind}", $"give {use.Component} a {use.Kind}.* type");
            return;
        }
        if (!component.IsVisibleTo(service.AppId))
        {
            Error($"its scopes [{string.Join(", ", component.Scopes)}] leave {service.AppId} out, so {service.AppId}'s sidecar does not load it",
                $"add {service.AppId} to the scopes of {use.Component}");
        }

        var missing = use.Needs.Select(n => (Need: n, Reason: Capabilities.Evaluate(component, n))).Where(x => x.Reason is not null).ToList();
        if (missing.Count > 0)
        {
            var alternatives = use.Kind == "pubsub" ? Capabilities.PubSubTypesWith(use.Needs) : Capabilities.StateTypesWith(use.Needs);
            // Name only the unmet needs; the fix names types that meet all of them.
            Error(Capabilities.Explain(component, missing.Select(m => m.Reason!)),
                $"back {use.Component} with a type that has {string.Join(" + ", use.Needs.Select(Capabilities.Display))}: {string.Join(", ", alternatives)}",
                string.Join(", ", missing.Select(m => m.Need)));
        }

        if (use.Needs.Contains(Capabilities.Outbox))
        {
            CheckOutbox(service, use, component, components, (message, fix) => Error(message, fix, Capabilities.Outbox));
        }
        foreach (var secret in use.Secrets)
        {
            if (component.Category == "secretstores" && LookUpSecret(component, secret, secret) is { } problem)
            {
                Error($"secret '{secret}' cannot be read: {problem}", $"add \"{secret}\" to {SecretsFileDisplay(component)}");
            }
            if (service.Config is { } config && SecretDenied(profile, config, component.Name, secret))
            {
                Error($"Configuration '{config}' denies secret '{secret}' of '{component.Name}' to the secrets API",
                    $"list {secret} in allowedSecrets for {component.Name} in {config}");
            }
        }
        if (use.Pipeline is { } pipeline)
        {
            var configuration = profile.Resources.FirstOrDefault(r => r.Kind == "Configuration" && r.Name == service.Config);
            var handlers = configuration?.Spec.Map(pipeline).List("handlers")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [];
            if (!handlers.Any(h => h.Str("name") == component.Name))
            {
                Error($"Configuration '{service.Config ?? "(none)"}' does not run '{component.Name}' in its {pipeline}",
                    $"add {{name: {component.Name}, type: {component.Type}}} to spec.{pipeline}.handlers of {service.Config}");
            }
        }
    }

    private static void CheckOutbox(ServiceNeed service, ComponentUse use, DaprComponent store, IReadOnlyList<DaprComponent> components,
        Action<string, string> error)
    {
        var pubsubName = store.Value("outboxPublishPubsub");
        var topic = store.Value("outboxPublishTopic");
        if (string.IsNullOrWhiteSpace(pubsubName) || string.IsNullOrWhiteSpace(topic))
        {
            error("the outbox is off: outboxPublishPubsub and outboxPublishTopic must both be set",
                $"set outboxPublishPubsub: pubsub and outboxPublishTopic: {use.OutboxTopic ?? "<topic>"} on {store.Name}");
            return;
        }
        if (use.OutboxTopic is { } expected && topic != expected)
        {
            error($"the outbox publishes to topic '{topic}', but {service.AppId}'s subscribers listen on '{expected}'",
                $"set outboxPublishTopic: {expected}");
        }
        foreach (var (key, name) in new[] { ("outboxPublishPubsub", pubsubName), ("outboxPubsub", store.Value("outboxPubsub")) })
        {
            if (name is null)
            {
                continue;
            }
            var pubsub = components.FirstOrDefault(c => c.Name == name);
            if (pubsub is null || pubsub.Category != "pubsub")
            {
                error($"{key} names '{name}', which is not a pub/sub component of this profile; every outbox transaction would fail",
                    $"point {key} at the profile's pub/sub component");
            }
            else if (!pubsub.IsVisibleTo(service.AppId))
            {
                error($"{key} names '{name}', which {service.AppId} cannot see (scopes); every outbox transaction would fail",
                    $"add {service.AppId} to the scopes of {name}");
            }
        }
    }

    private static bool SecretDenied(Profile profile, string config, string store, string secret)
    {
        var configuration = profile.Resources.FirstOrDefault(r => r.Kind == "Configuration" && r.Name == config);
        var scope = configuration?.Spec.Map("secrets").List("scopes")?.OfType<IReadOnlyDictionary<string, object?>>()
            .FirstOrDefault(s => s.Str("storeName") == store);
        if (scope is null)
        {
            return false;
        }
        if (scope.Strings("deniedSecrets").Contains(secret))
        {
            return true;
        }
        var allowed = scope.Strings("allowedSecrets");
        if (allowed.Count > 0)
        {
            return !allowed.Contains(secret);
        }
        return string.Equals(scope.Str("defaultAccess"), "deny", StringComparison.OrdinalIgnoreCase);
    }

    // ---------------------------------------------------------------- actors

    private void CheckActorStore(IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        var users = needs.Services.Where(s => s.NeedsActorStore).ToList();
        var marked = components.Where(c => c.IsActorStateStore).ToList();
        var eligible = Capabilities.StateTypesWith([Capabilities.ETag, Capabilities.Transactional]);
        if (marked.Count > 1)
        {
            findings.Add(new Finding(Severity.Error,
                $"{marked.Count} state stores are marked actorStateStore ({string.Join(", ", marked.Select(c => c.Name))}); daprd refuses to start with more than one (detected duplicate actor state store)",
                Fix: "keep actorStateStore: \"true\" on exactly one store (actor-store)"));
            return;
        }
        if (marked.Count == 0)
        {
            if (users.Any(s => s.HostsActors))
            {
                findings.Add(new Finding(Severity.Error,
                    $"{string.Join(", ", users.Where(s => s.HostsActors).Select(s => s.AppId))} host actors, but no state store is marked actorStateStore; every actor call fails (ERR_ACTOR_RUNTIME_NOT_FOUND)",
                    Fix: $"add actorStateStore: \"true\" to one store of type {string.Join(", ", eligible)}"));
            }
            if (users.Any(s => s.RunsWorkflows))
            {
                // daprd keeps workflow history in the actor state store (wfengine backends/actors): without one,
                // every workflow operation fails with ErrActorRuntimeNotFound.
                findings.Add(new Finding(Severity.Error,
                    $"{string.Join(", ", users.Where(s => s.RunsWorkflows).Select(s => s.AppId))} run Dapr Workflows, but no state store is marked actorStateStore; workflow history lives in the actor state store, so every workflow start fails (the state store is not configured to use the actor runtime)",
                    Fix: $"add actorStateStore: \"true\" to one store of type {string.Join(", ", eligible)}"));
            }
            return;
        }
        var store = marked[0];
        foreach (var user in users)
        {
            var host = user.AppId;
            if (ActorProblems(store) is { } problem)
            {
                findings.Add(new Finding(Severity.Error, problem, Service: host, Need: "actor state (etag, transactional)",
                    Component: store.Describe(), Fix: $"back {store.Name} with {string.Join(", ", eligible)}", File: Relative(store.Resource.File)));
            }
            if (!store.IsVisibleTo(host))
            {
                findings.Add(new Finding(Severity.Error,
                    $"its scopes [{string.Join(", ", store.Scopes)}] leave {host} out, so {host}'s {user.ActorStoreUse} have no state store",
                    Service: host, Need: "actor state (etag, transactional)", Component: store.Describe(),
                    Fix: $"add {host} to the scopes of {store.Name}", File: Relative(store.Resource.File)));
            }
        }
    }

    private static string? ActorProblems(DaprComponent store)
    {
        var reasons = new[] { Capabilities.ETag, Capabilities.Transactional }
            .Select(c => Capabilities.Evaluate(store, c)).OfType<string>().ToList();
        return reasons.Count == 0 ? null
            : $"actor state needs ETag and transactions, but {Capabilities.Explain(store, reasons)} (daprd fails every actor state call)";
    }

    // ---------------------------------------------------------------- configurations

    private void CheckConfigurations(Profile profile, List<Finding> findings)
    {
        var components = profile.Resources.Where(r => r.Kind == "Component").ToList();
        foreach (var configuration in profile.Resources.Where(r => r.Kind == "Configuration"))
        {
            var where = Relative(configuration.File);
            var subject = $"Configuration '{configuration.Name}'";
            var runners = needs.Services.Where(s => s.Config == configuration.Name).Select(s => s.AppId).ToList();
            foreach (var pipeline in new[] { "httpPipeline", "appHttpPipeline" })
            {
                foreach (var handler in configuration.Spec.Map(pipeline).List("handlers")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [])
                {
                    var name = handler.Str("name");
                    var match = components.FirstOrDefault(c => c.Name == name);
                    if (match is null || match.Spec.Str("type") != handler.Str("type"))
                    {
                        findings.Add(new Finding(Severity.Error,
                            $"{pipeline} runs '{name}' ({handler.Str("type")}), but no component of that name and type exists; daprd silently skips the handler",
                            Component: subject, Fix: $"add a {handler.Str("type")} component named {name}", File: where));
                        continue;
                    }
                    foreach (var app in runners.Where(a => match.Scopes.Count > 0 && !match.Scopes.Contains(a)))
                    {
                        findings.Add(new Finding(Severity.Error,
                            $"{pipeline} runs '{name}', which is not scoped to {app}; {app}'s sidecar silently skips the handler",
                            Service: app, Component: subject, Fix: $"add {app} to the scopes of {name}", File: where));
                    }
                }
            }

            var acl = configuration.Spec.Map("accessControl");
            if (acl is null)
            {
                continue;
            }
            if (acl.Str("defaultAction") is { } action && action.ToLowerInvariant() is not ("allow" or "deny"))
            {
                findings.Add(new Finding(Severity.Error, $"accessControl.defaultAction is '{action}'; use allow or deny", Component: subject, File: where));
            }
            foreach (var policy in acl.List("policies")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [])
            {
                var appId = policy.Str("appId");
                var missing = new[] { "appId", "trustDomain", "namespace" }.Where(k => string.IsNullOrWhiteSpace(policy.Str(k))).ToList();
                if (missing.Count > 0)
                {
                    findings.Add(new Finding(Severity.Error,
                        $"access policy for '{appId ?? "?"}' lacks {string.Join(", ", missing)}; daprd rejects the whole access control spec",
                        Component: subject, File: where));
                }
                if (appId is not null && !needs.AppIds.Contains(appId))
                {
                    findings.Add(new Finding(Severity.Error, $"access policy names unknown app id '{appId}'", Component: subject,
                        Fix: Closest(appId, needs.AppIds) is { } s ? $"did you mean '{s}'?" : null, File: where));
                }
            }
        }
    }

    // ---------------------------------------------------------------- service invocation vs access control

    private void CheckInvocations(Profile profile, List<Finding> findings)
    {
        IReadOnlyDictionary<string, object?>? AccessControlOf(string? config) =>
            profile.Resources.FirstOrDefault(r => r.Kind == "Configuration" && r.Name == config)?.Spec.Map("accessControl");

        foreach (var caller in needs.Services)
        {
            foreach (var call in caller.Invokes)
            {
                var callee = needs.Services.FirstOrDefault(s => s.AppId == call.Callee);
                if (callee is null)
                {
                    findings.Add(new Finding(Severity.Error, $"invokes '{call.Callee}', which is not an app id of this system",
                        Service: caller.AppId, File: Relative(needs.File)));
                    continue;
                }
                var acl = AccessControlOf(callee.Config);
                if (acl is not null && AccessControl.Decide(acl, caller.AppId, call.Verb, call.Path) is { Allowed: false } denial)
                {
                    findings.Add(new Finding(Severity.Error, $"access control denies it ({denial.Reason})",
                        Service: caller.AppId, Need: $"to invoke {call}", Component: $"Configuration '{callee.Config}' of {callee.AppId}",
                        Fix: $"allow {call.Verb} {call.Path} for {caller.AppId} in the accessControl policies of {callee.Config}",
                        File: Relative(profile.Resources.First(r => r.Kind == "Configuration" && r.Name == callee.Config).File)));
                }
            }
        }

        // Least privilege the other way round: every allow rule should serve a declared call.
        foreach (var configuration in profile.Resources.Where(r => r.Kind == "Configuration"))
        {
            var callees = needs.Services.Where(s => s.Config == configuration.Name).Select(s => s.AppId).ToHashSet();
            foreach (var policy in configuration.Spec.Map("accessControl").List("policies")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [])
            {
                var caller = policy.Str("appId");
                var calls = needs.Services.FirstOrDefault(s => s.AppId == caller)?.Invokes.Where(c => callees.Contains(c.Callee)).ToList() ?? [];
                foreach (var operation in policy.List("operations")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [])
                {
                    if (!string.Equals(operation.Str("action"), "allow", StringComparison.OrdinalIgnoreCase) || operation.Str("name") is not { } name)
                    {
                        continue;
                    }
                    foreach (var verb in operation.Strings("httpVerb"))
                    {
                        if (!calls.Any(c => (verb == "*" || string.Equals(verb, c.Verb, StringComparison.OrdinalIgnoreCase)) && AccessControl.PathMatches(name, c.Path)))
                        {
                            findings.Add(new Finding(Severity.Warning,
                                $"allows {caller} to call {verb} {name}, but components/service-needs.yaml declares no such call",
                                Component: $"Configuration '{configuration.Name}'",
                                Fix: $"remove the rule, or add the call under {caller}.invokes", File: Relative(configuration.File)));
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- resiliency

    private void CheckResiliency(Profile profile, IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        foreach (var resiliency in profile.Resources.Where(r => r.Kind == "Resiliency"))
        {
            var where = Relative(resiliency.File);
            var subject = $"Resiliency '{resiliency.Name}'";
            var policies = resiliency.Spec.Map("policies");
            var defined = new Dictionary<string, IReadOnlyCollection<string>>
            {
                ["timeout"] = policies.Map("timeouts")?.Keys.ToList() ?? [],
                ["retry"] = policies.Map("retries")?.Keys.ToList() ?? [],
                ["circuitBreaker"] = policies.Map("circuitBreakers")?.Keys.ToList() ?? [],
            };
            foreach (var (name, value) in policies.Map("retries") ?? new Dictionary<string, object?>())
            {
                var retry = value as IReadOnlyDictionary<string, object?>;
                if (retry.Str("maxRetries") is null or "-1")
                {
                    findings.Add(new Finding(Severity.Warning, $"retry policy '{name}' has no maxRetries: daprd retries forever (-1 is the default)",
                        Component: subject, Fix: "set maxRetries", File: where));
                }
            }

            void CheckTarget(string target, IReadOnlyDictionary<string, object?>? policy)
            {
                foreach (var (kind, names) in defined)
                {
                    if (policy.Str(kind) is { } name && !names.Contains(name))
                    {
                        findings.Add(new Finding(Severity.Error, $"{target} refers to {kind} policy '{name}', which is not defined",
                            Component: subject, File: where));
                    }
                }
            }

            var targets = resiliency.Spec.Map("targets");
            foreach (var (app, policy) in targets.Map("apps") ?? new Dictionary<string, object?>())
            {
                if (!needs.AppIds.Contains(app))
                {
                    findings.Add(new Finding(Severity.Error, $"targets.apps names unknown app id '{app}'", Component: subject, File: where));
                }
                CheckTarget($"targets.apps.{app}", policy as IReadOnlyDictionary<string, object?>);
            }
            foreach (var (name, value) in targets.Map("components") ?? new Dictionary<string, object?>())
            {
                if (!components.Any(c => c.Name == name))
                {
                    findings.Add(new Finding(Severity.Error, $"targets.components names '{name}', which this profile does not define", Component: subject, File: where));
                }
                var directions = value as IReadOnlyDictionary<string, object?>;
                CheckTarget($"targets.components.{name}.outbound", directions.Map("outbound"));
                CheckTarget($"targets.components.{name}.inbound", directions.Map("inbound"));
            }
            foreach (var (actor, policy) in targets.Map("actors") ?? new Dictionary<string, object?>())
            {
                CheckTarget($"targets.actors.{actor}", policy as IReadOnlyDictionary<string, object?>);
            }
        }
    }

    // ---------------------------------------------------------------- least privilege

    private void CheckLeastPrivilege(IReadOnlyList<DaprComponent> components, List<Finding> findings)
    {
        foreach (var component in components)
        {
            var users = new HashSet<string>(needs.Services.Where(s => s.Uses.Any(u => u.Component == component.Name)).Select(s => s.AppId));
            if (component.IsActorStateStore)
            {
                users.UnionWith(needs.Services.Where(s => s.NeedsActorStore).Select(s => s.AppId));
            }
            // Secret stores serve every app that loads a component resolving secrets through them.
            foreach (var dependent in components.Where(c => c.SecretStore == component.Name && c.Metadata.Any(m => m.SecretRef is not null)))
            {
                users.UnionWith(UsersOf(dependent));
            }
            // A pub/sub also serves the apps whose outbox publishes through it.
            foreach (var store in components.Where(c => c.Value("outboxPublishPubsub") == component.Name || c.Value("outboxPubsub") == component.Name))
            {
                users.UnionWith(UsersOf(store));
            }
            // A middleware serves the apps whose Configuration runs it (checked in CheckConfigurations).
            if (component.Category == "middleware")
            {
                users.UnionWith(needs.Services.Where(s => s.Uses.Any(u => u.Component == component.Name)).Select(s => s.AppId));
            }

            if (users.Count == 0)
            {
                findings.Add(new Finding(Severity.Warning, "no service uses it (components/service-needs.yaml)",
                    Component: component.Describe(), Fix: "remove it, or declare the service that needs it", File: Relative(component.Resource.File)));
                continue;
            }
            var extra = UsersOf(component).Where(app => !users.Contains(app)).ToList();
            if (extra.Count > 0)
            {
                findings.Add(new Finding(Severity.Warning,
                    component.Scopes.Count == 0
                        ? $"has no scopes, so every app loads it, though only {string.Join(", ", users.Order())} use it"
                        : $"is scoped to {string.Join(", ", extra)}, which {(extra.Count == 1 ? "does" : "do")} not use it",
                    Component: component.Describe(), Fix: $"scopes: [{string.Join(", ", users.Order())}]", File: Relative(component.Resource.File)));
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private string Relative(string path) => Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/');

    /// <summary>The closest known name within edit distance 3, for "did you mean".</summary>
    private static string? Closest(string name, IEnumerable<string> candidates) =>
        candidates.Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= 3).OrderBy(x => x.Distance).Select(x => x.Name).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^-?\d+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"\{(appID|uuid|podName|namespace)\}")]
    private static partial Regex TemplatePattern();
}
