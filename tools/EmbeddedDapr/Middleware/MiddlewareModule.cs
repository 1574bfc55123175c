using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Middleware;

/// <summary>
/// Plugs daprd's HTTP middleware pipelines into each sidecar: the Configuration's <c>httpPipeline</c> in front of
/// the sidecar's HTTP API (not the gRPC port, as in daprd) and <c>appHttpPipeline</c> around the app channel.
/// Invalid ratelimit components fail cluster start-up like a daprd component init failure.
/// </summary>
public sealed class MiddlewareModule : ISidecarModule
{
    public IEnumerable<string> ComponentTypes => [RateLimiter.ComponentType];

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        foreach (var component in cluster.Components.Where(IsRateLimit))
        {
            try
            {
                HttpPipeline.ValidateComponent(ToMiddleware(component));
            }
            catch (RateLimitConfigurationException ex) when (!component.IgnoreErrors)
            {
                throw new DaprResourceException(
                    $"[INIT_COMPONENT_FAILURE]: initialization error occurred for {component.Name} ({component.Type}/{component.Version}): {ex.Message}");
            }
            catch (RateLimitConfigurationException)
            {
                // ignoreErrors: daprd logs and runs without the component; Build then skips handlers naming it.
            }
        }
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton(new SidecarPipelines(Build(sidecar, sidecar.Configuration?.HttpPipeline)));

    public void ConfigurePipeline(IApplicationBuilder app, SidecarContext sidecar)
    {
        var pipeline = app.ApplicationServices.GetRequiredService<SidecarPipelines>().Http;
        if (pipeline.IsEmpty)
        {
            return;
        }

        app.Use(next =>
        {
            var limited = pipeline.Wrap(next);
            // The gRPC port shares this pipeline object; daprd applies httpPipeline to the HTTP API only.
            return context => context.Connection.LocalPort == sidecar.HttpPort ? limited(context) : next(context);
        });
    }

    public HttpMessageHandler WrapAppChannel(HttpMessageHandler inner, SidecarContext sidecar) =>
        Build(sidecar, sidecar.Configuration?.AppHttpPipeline).WrapAppChannel(inner);

    /// <summary>Builds a pipeline from a Configuration's handlers over the components visible to the sidecar.</summary>
    public static HttpPipeline Build(SidecarContext sidecar, IReadOnlyList<PipelineHandler>? handlers)
    {
        if (handlers is not { Count: > 0 })
        {
            return HttpPipeline.Empty;
        }

        return HttpPipeline.Build(
            handlers,
            name => sidecar.Components.FirstOrDefault(c => c.Name == name && c.Category == "middleware" && Initialises(c)) is { } component
                ? ToMiddleware(component)
                : null,
            sidecar.TimeProvider);
    }

    private static bool IsRateLimit(ComponentDefinition component) =>
        string.Equals(component.Type, RateLimiter.ComponentType, StringComparison.OrdinalIgnoreCase);

    private static bool Initialises(ComponentDefinition component)
    {
        if (!IsRateLimit(component))
        {
            return true;
        }

        try
        {
            HttpPipeline.ValidateComponent(ToMiddleware(component));
            return true;
        }
        catch (RateLimitConfigurationException)
        {
            return false;
        }
    }

    private static MiddlewareComponent ToMiddleware(ComponentDefinition component) =>
        new(component.Name, component.Type, component.Metadata);

    /// <summary>The sidecar's built <c>httpPipeline</c>.</summary>
    public sealed record SidecarPipelines(HttpPipeline Http);
}
