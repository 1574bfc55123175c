using Flipkart.EmbeddedDapr.Extensibility;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Hosting;

public sealed class EmbeddedDaprClusterOptions
{
    /// <summary>A Dapr resources folder (e.g. <c>components/local</c>); optional when <see cref="ResourceYaml"/> is used.</summary>
    public string? ResourcesPath { get; set; }

    /// <summary>Inline YAML documents (multi-document strings allowed), loaded after the folder.</summary>
    public IList<string> ResourceYaml { get; } = [];

    /// <summary>Drives TTLs and every other sidecar clock; tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives sidecar logs; null keeps the sidecar silent.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Base for relative <c>secretsFile</c> paths (tried first; then the resources folder and its ancestors).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Discover <see cref="ISidecarModule"/> implementations in this assembly (default true).</summary>
    public bool DiscoverModules { get; set; } = true;

    /// <summary>Extra modules (e.g. from a test project).</summary>
    public IList<ISidecarModule> Modules { get; } = [];

    /// <summary>
    /// OTLP/gRPC endpoint every sidecar exports its spans to, replacing the Configurations' <c>tracing.otel</c> endpoint
    /// (null = as the Configuration says). A local run points it at its dashboard.
    /// </summary>
    public Uri? TraceExportEndpoint { get; set; }

    /// <summary>daprd's <c>--max-body-size</c> (HTTP) and gRPC max receive size: 4 MiB by default.</summary>
    public int MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;
}

public sealed class SidecarOptions
{
    public required string AppId { get; init; }

    /// <summary>App listens on <c>http://127.0.0.1:{AppPort}</c> (the local-run shape).</summary>
    public int? AppPort { get; init; }

    /// <summary>App base URL (alternative to <see cref="AppPort"/>).</summary>
    public Uri? AppBaseUrl { get; init; }

    /// <summary>App reached through a handler, e.g. a WebApplicationFactory's <c>Server.CreateHandler()</c>;
    /// evaluated lazily so the app can be built after the sidecar (see also <see cref="EmbeddedDaprSidecar.AttachApp(Func{HttpMessageHandler})"/>).</summary>
    public Func<HttpMessageHandler>? AppHandler { get; init; }

    /// <summary>0 = a dynamic loopback port.</summary>
    public int HttpPort { get; init; }

    /// <summary>0 = a dynamic loopback port. Serves HTTP/2 cleartext only (h2c prior knowledge).</summary>
    public int GrpcPort { get; init; }

    /// <summary>Required on every API call (<c>DAPR_API_TOKEN</c>).</summary>
    public string? DaprApiToken { get; init; }

    /// <summary>Sent to the app as <c>dapr-api-token</c> (<c>APP_API_TOKEN</c>).</summary>
    public string? AppApiToken { get; init; }

    /// <summary>Name of the <c>Configuration</c> resource to apply; null = the only one loaded, if exactly one.</summary>
    public string? ConfigurationName { get; init; }

    /// <summary>The <c>service.name</c> of this sidecar's spans: daprd's <c>OTEL_SERVICE_NAME</c>; null = the app-id, daprd's default.</summary>
    public string? TraceServiceName { get; init; }

    /// <summary>daprd's <c>--app-max-concurrency</c>: concurrent pub/sub deliveries into this replica; null = unbounded.</summary>
    public int? AppMaxConcurrency { get; init; }
}
