using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Needs;

/// <summary>One component a service uses, and what it demands of it.</summary>
public sealed record ComponentUse(string Component, string Kind, IReadOnlyList<string> Needs, string? OutboxTopic,
    IReadOnlyList<string> Secrets, string? Pipeline);

/// <summary>A service-invocation call the app makes: callee app id, HTTP verb, method path.</summary>
public sealed record Invocation(string Callee, string Verb, string Path)
{
    public override string ToString() => $"{Callee} {Verb} {Path}";
}

public sealed record ServiceNeed(string AppId, string? Config, bool HostsActors, IReadOnlyList<ComponentUse> Uses,
    IReadOnlyList<Invocation> Invokes, bool RunsWorkflows = false)
{
    /// <summary>Actors and Dapr Workflows both keep their state in THE actor state store.</summary>
    public bool NeedsActorStore => HostsActors || RunsWorkflows;

    /// <summary>What the actor state store holds for this app, for messages.</summary>
    public string ActorStoreUse => (HostsActors, RunsWorkflows) switch
    {
        (true, true) => "actors and workflows",
        (false, true) => "workflows",
        _ => "actors",
    };
}

/// <summary>components/service-needs.yaml: each service's demands on a profile, in one place.</summary>
public sealed record ServiceNeeds(string File, IReadOnlyList<ServiceNeed> Services)
{
    public IReadOnlyList<string> AppIds => [.. Services.Select(s => s.AppId)];

    public static ServiceNeeds Load(string file)
    {
        var root = YamlTree.LoadAll(System.IO.File.ReadAllText(file)).FirstOrDefault() as IReadOnlyDictionary<string, object?>
            ?? throw new InvalidDataException($"{file}: expected a mapping with `services`");
        var services = root.Map("services") ?? throw new InvalidDataException($"{file}: `services` is missing");
        var result = new List<ServiceNeed>();
        foreach (var (appId, value) in services)
        {
            var service = value as IReadOnlyDictionary<string, object?>;
            var uses = new List<ComponentUse>();
            foreach (var (component, useValue) in service.Map("uses") ?? new Dictionary<string, object?>())
            {
                var use = useValue as IReadOnlyDictionary<string, object?>;
                var kind = use.Str("kind") ?? throw new InvalidDataException($"{file}: {appId}.uses.{component} has no `kind`");
                uses.Add(new ComponentUse(component, kind, use.Strings("needs"), use.Str("outboxTopic"), use.Strings("secrets"), use.Str("pipeline")));
            }
            var invokes = new List<Invocation>();
            foreach (var call in service.Strings("invokes"))
            {
                var parts = call.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 3 || !parts[2].StartsWith('/'))
                {
                    throw new InvalidDataException($"{file}: {appId}.invokes: '{call}' is not \"<app-id> <VERB> </path>\"");
                }
                invokes.Add(new Invocation(parts[0], parts[1].ToUpperInvariant(), parts[2]));
            }
            result.Add(new ServiceNeed(appId, service.Str("config"), service.Str("actors") is "true", uses, invokes,
                RunsWorkflows: service.Str("workflows") is "true"));
        }
        return new ServiceNeeds(file, result);
    }
}
