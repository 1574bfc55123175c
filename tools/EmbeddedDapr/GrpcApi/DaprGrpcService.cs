using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.State;

namespace Flipkart.EmbeddedDapr.GrpcApi;

/// <summary>
/// The <c>dapr.proto.runtime.v1.Dapr</c> service. Extension point: other building blocks add handlers in their own
/// files as <c>public partial class DaprGrpcService</c> methods named after the RPC, e.g.
/// <c>public Task&lt;Empty&gt; PublishEvent(PublishEventRequest request, ServerCallContext context)</c>;
/// <see cref="DaprServiceMethodProvider"/> binds them by name. Created per call by Grpc.AspNetCore.
/// </summary>
public sealed partial class DaprGrpcService(SidecarContext sidecar, IServiceProvider services)
{
    /// <summary>This sidecar (app-id, components, app channel, cluster).</summary>
    public SidecarContext Sidecar { get; } = sidecar;

    /// <summary>The sidecar's service provider, to resolve module services.</summary>
    public IServiceProvider Services { get; } = services;

    private StateApi StateApi => (StateApi)Services.GetService(typeof(StateApi))!;
}
