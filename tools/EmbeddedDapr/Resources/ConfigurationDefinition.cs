using System.Text.Json.Nodes;

namespace Flipkart.EmbeddedDapr.Resources;

/// <summary>A <c>kind: Configuration</c> resource, parsed enough for the sidecar modules.</summary>
public sealed class ConfigurationDefinition
{
    internal ConfigurationDefinition(ResourceDocument document)
    {
        Document = document;
        var spec = document.Spec;
        Features = (spec["features"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(f => f["name"] is not null)
            .ToDictionary(f => f["name"]!.ToString(), f => f["enabled"]?.GetValueKind() == System.Text.Json.JsonValueKind.True
                || string.Equals(f["enabled"]?.ToString(), "true", StringComparison.OrdinalIgnoreCase), StringComparer.Ordinal);
        HttpPipeline = Handlers(spec["httpPipeline"]);
        AppHttpPipeline = Handlers(spec["appHttpPipeline"]);
        AccessControl = spec["accessControl"] as JsonObject;
        Tracing = spec["tracing"] as JsonObject;
        Secrets = spec["secrets"] as JsonObject;
    }

    public ResourceDocument Document { get; }
    public string Name => Document.Name;

    /// <summary>Preview features by name (<c>spec.features[]</c>).</summary>
    public IReadOnlyDictionary<string, bool> Features { get; }

    /// <summary><c>spec.httpPipeline.handlers[]</c>: middleware components applied to the sidecar's HTTP API.</summary>
    public IReadOnlyList<PipelineHandler> HttpPipeline { get; }

    /// <summary><c>spec.appHttpPipeline.handlers[]</c>: middleware applied on calls into the app.</summary>
    public IReadOnlyList<PipelineHandler> AppHttpPipeline { get; }

    public JsonObject? AccessControl { get; }
    public JsonObject? Tracing { get; }
    public JsonObject? Secrets { get; }

    public bool IsFeatureEnabled(string name) => Features.TryGetValue(name, out var on) && on;

    private static PipelineHandler[] Handlers(JsonNode? pipeline) =>
        (pipeline?["handlers"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(h => new PipelineHandler(h["name"]?.ToString() ?? "", h["type"]?.ToString() ?? ""))
            .ToArray();
}

public sealed record PipelineHandler(string Name, string Type);
