using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Extensibility;

/// <summary>
/// A building block plugged into the embedded sidecar without editing the core (pub/sub, actors, resiliency,
/// middleware, faults). Every non-abstract class in this assembly implementing it with a public parameterless
/// constructor is discovered; one instance serves a whole cluster. All members are optional.
/// gRPC methods are added separately by writing <c>partial class DaprGrpcService</c> handlers.
/// </summary>
public interface ISidecarModule
{
    /// <summary>Lower runs first (pipeline order, start-up hooks). Core-independent modules can keep 0.</summary>
    int Order => 0;

    /// <summary>Component types (<c>spec.type</c>) this module implements, accepted by the resource validation.</summary>
    IEnumerable<string> ComponentTypes => [];

    /// <summary>Once per cluster, after resources are loaded: register cluster-wide singletons (broker, placement).
    /// Throw <see cref="Resources.DaprResourceException"/> to refuse start-up like daprd.</summary>
    void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster) { }

    /// <summary>Per sidecar: register the module's per-sidecar services (the sidecar's own container).</summary>
    void ConfigureServices(IServiceCollection services, SidecarContext sidecar) { }

    /// <summary>Per sidecar: HTTP middleware, after API-token checks and before routing (e.g. httpPipeline).</summary>
    void ConfigurePipeline(IApplicationBuilder app, SidecarContext sidecar) { }

    /// <summary>Per sidecar: wraps the handler of the channel into the app (e.g. <c>appHttpPipeline</c> middleware).</summary>
    HttpMessageHandler WrapAppChannel(HttpMessageHandler inner, SidecarContext sidecar) => inner;

    /// <summary>Per sidecar: HTTP API routes (e.g. <c>/v1.0/publish/…</c>, <c>/v1.0/actors/…</c>).</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar) { }

    /// <summary>After the sidecar's ports are listening (outbound APIs work, the app may not be up yet).</summary>
    Task OnSidecarStartedAsync(SidecarContext sidecar, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Once the app answers on its channel: read <c>/dapr/subscribe</c>, <c>/dapr/config</c>, …</summary>
    Task OnAppReadyAsync(SidecarContext sidecar, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The app is known to be dead while the sidecar runs (<see cref="Hosting.EmbeddedDaprSidecar.ReportAppDown"/>),
    /// as when a pod's app container dies: withdraw what a dead pod would no longer offer (e.g. actor placement).
    /// </summary>
    void OnAppDown(SidecarContext sidecar) { }

    /// <summary>Before the sidecar stops (deactivate actors, leave consumer groups).</summary>
    Task OnSidecarStoppingAsync(SidecarContext sidecar) => Task.CompletedTask;
}
