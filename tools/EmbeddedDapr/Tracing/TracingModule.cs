using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>
/// Distributed tracing as daprd does it (<c>pkg/diagnostics</c>): one <see cref="SidecarTracer"/> per sidecar from its
/// Configuration, spans for the HTTP API (<see cref="HttpTraceMiddleware"/>, outermost in the sidecar's pipeline) and the
/// gRPC API (<see cref="GrpcTraceInterceptor"/>), and the hooks in <see cref="SidecarSpans"/> for invocation and delivery.
/// </summary>
public sealed class TracingModule : ISidecarModule
{
    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar)
    {
        services.AddSingleton(_ => new SidecarTracer(sidecar)); // a factory, so the container disposes (flushes) it
        services.AddSingleton<GrpcTraceInterceptor>(); // one instance, not one activated per call
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<GrpcTraceInterceptor>());
    }
}
