using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>GetMetadata for both APIs; modules add their parts through <see cref="IMetadataContributor"/>.</summary>
internal static class MetadataBuilder
{
    public const string RuntimeVersion = "1.18.3-embedded";

    public static GetMetadataResponse Build(SidecarContext sidecar, IServiceProvider services)
    {
        var response = new GetMetadataResponse { Id = sidecar.AppId, RuntimeVersion = RuntimeVersion };
        foreach (var component in sidecar.Components)
        {
            var registered = new RegisteredComponents { Name = component.Name, Type = component.Type, Version = component.Version };
            if (sidecar.StateStores.TryGetValue(component.Name, out var store))
            {
                registered.Capabilities.Add(store.Behavior.ReportedCapabilities);
            }
            else if (component.Type == "secretstores.local.file" && component.GetBool("multiValued"))
            {
                registered.Capabilities.Add("MULTIPLE_KEY_VALUES_PER_SECRET");
            }
            response.RegisteredComponents.Add(registered);
        }
        if (sidecar.Configuration is { } configuration)
        {
            response.EnabledFeatures.Add(configuration.Features.Where(f => f.Value).Select(f => f.Key));
        }
        response.ExtendedMetadata["daprRuntimeVersion"] = RuntimeVersion;
        foreach (var (key, value) in sidecar.ExtendedMetadata)
        {
            response.ExtendedMetadata[key] = value;
        }
        if (sidecar.AppChannel is { } channel)
        {
            response.AppConnectionProperties = new AppConnectionProperties
            {
                Port = channel.AppPort ?? 0,
                Protocol = "http",
                ChannelAddress = channel.BaseAddress.Host,
            };
        }
        foreach (var contributor in services.GetService(typeof(IEnumerable<IMetadataContributor>)) as IEnumerable<IMetadataContributor> ?? [])
        {
            contributor.Contribute(response, sidecar);
        }
        return response;
    }

    /// <summary>The JSON shape of daprd's <c>GET /v1.0/metadata</c>.</summary>
    public static JsonObject ToHttpJson(GetMetadataResponse r)
    {
        var json = new JsonObject
        {
            ["id"] = r.Id,
            ["runtimeVersion"] = r.RuntimeVersion,
            ["enabledFeatures"] = new JsonArray(r.EnabledFeatures.Select(f => (JsonNode)f).ToArray()),
            ["actors"] = new JsonArray((r.ActorRuntime?.ActiveActors ?? [])
                .Select(a => (JsonNode)new JsonObject { ["type"] = a.Type, ["count"] = a.Count }).ToArray()),
            ["components"] = new JsonArray(r.RegisteredComponents.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["version"] = c.Version,
                ["capabilities"] = new JsonArray(c.Capabilities.Select(x => (JsonNode)x).ToArray()),
            }).ToArray()),
            ["extended"] = new JsonObject(r.ExtendedMetadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["subscriptions"] = new JsonArray(r.Subscriptions.Select(s => (JsonNode)new JsonObject
            {
                ["pubsubname"] = s.PubsubName,
                ["topic"] = s.Topic,
                ["metadata"] = new JsonObject(s.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["rules"] = new JsonArray((s.Rules?.Rules ?? []).Select(x => (JsonNode)new JsonObject { ["match"] = x.Match, ["path"] = x.Path }).ToArray()),
                ["deadLetterTopic"] = s.DeadLetterTopic,
                ["type"] = s.Type.ToString().ToUpperInvariant(),
            }).ToArray()),
        };
        if (r.AppConnectionProperties is { } app)
        {
            json["appConnectionProperties"] = new JsonObject
            {
                ["port"] = app.Port,
                ["protocol"] = app.Protocol,
                ["channelAddress"] = app.ChannelAddress,
            };
        }
        if (r.ActorRuntime is { } actors)
        {
            json["actorRuntime"] = new JsonObject
            {
                ["runtimeStatus"] = actors.RuntimeStatus.ToString().ToUpperInvariant(),
                ["activeActors"] = new JsonArray(actors.ActiveActors.Select(a => (JsonNode)new JsonObject { ["type"] = a.Type, ["count"] = a.Count }).ToArray()),
                ["hostReady"] = actors.HostReady,
                ["placement"] = actors.Placement,
            };
        }
        if (r.Workflows is { ConnectedWorkers: > 0 } workflows)
        {
            // daprd: `workflows,omitzero` with `connectedWorkers,omitempty`, so no workers = no key.
            json["workflows"] = new JsonObject { ["connectedWorkers"] = workflows.ConnectedWorkers };
        }
        return json;
    }
}
