using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>
/// One sidecar's tracer, set up as daprd's <c>setupTracing</c> does from the Configuration's <c>spec.tracing</c>:
/// sampler <c>ParentBased(TraceIDRatioBased(samplingRate))</c> (an unparsable or missing rate is daprd's default 1e-4,
/// <c>"0"</c> turns tracing off: no spans at all), resource <c>service.name</c> = the app-id (or <c>OTEL_SERVICE_NAME</c>),
/// OTLP export when <c>tracing.otel</c> names an endpoint and a protocol. A cluster-wide
/// <see cref="EmbeddedDaprClusterOptions.TraceExportEndpoint"/> replaces that endpoint (DevHost points it at its dashboard).
/// Every sidecar has its own <see cref="ActivitySource"/> so each is sampled and exported under its own resource,
/// although all of them live in one process.
/// </summary>
public sealed class SidecarTracer : IDisposable
{
    /// <summary>daprd's tracer name (<c>pkg/diagnostics/tracing.go</c>); app-id and a number are appended to keep sources apart.</summary>
    public const string ScopePrefix = "dapr-diagnostics";

    private const double DefaultSamplingRate = 1e-4;

    private static int _instances;
    private readonly TracerProvider? _provider;

    public SidecarTracer(SidecarContext sidecar)
    {
        var tracing = sidecar.Configuration?.Tracing;
        SamplingRate = ParseRate(tracing?["samplingRate"]?.ToString());
        Enabled = SamplingRate != 0;
        Source = new ActivitySource($"{ScopePrefix}.{sidecar.AppId}.{Interlocked.Increment(ref _instances)}");
        ExportEndpoint = Endpoint(sidecar.Cluster.Options.TraceExportEndpoint, tracing?["otel"] as JsonObject, out var protocol);
        if (!Enabled)
        {
            return;
        }

        var serviceName = sidecar.Options.TraceServiceName ?? sidecar.AppId;
        var builder = Sdk.CreateTracerProviderBuilder()
            .AddSource(Source.Name)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(SamplingRate, 0, 1))))
            .ConfigureResource(resource => resource.Clear().AddService(serviceName, autoGenerateServiceInstanceId: false));
        if (ExportEndpoint is { } endpoint)
        {
            builder.AddOtlpExporter(otlp =>
            {
                otlp.Protocol = protocol;
                otlp.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, "v1/traces") : endpoint;
                // A dashboard should show a request while its author still looks at it.
                otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            });
        }
        _provider = builder.Build();
    }

    /// <summary>False when the Configuration sets <c>samplingRate: "0"</c>: daprd then installs no tracing middleware.</summary>
    public bool Enabled { get; }

    public double SamplingRate { get; }

    /// <summary>Where spans go (null = nowhere; they still carry trace context to the app and into CloudEvents).</summary>
    public Uri? ExportEndpoint { get; }

    internal ActivitySource Source { get; }

    /// <summary>Starts a span under <paramref name="parent"/> (default = a new trace); null when tracing is off.</summary>
    public Activity? Start(string name, ActivityKind kind, ActivityContext parent = default) =>
        Enabled ? Source.StartActivity(name, kind, parent) : null;

    /// <summary>True for spans of any embedded sidecar (used to continue the current API call's span).</summary>
    internal static bool IsSidecarSpan(Activity? activity) =>
        activity?.Source.Name.StartsWith(ScopePrefix + ".", StringComparison.Ordinal) == true;

    public void Dispose()
    {
        _provider?.ForceFlush(2000);
        _provider?.Dispose();
        Source.Dispose();
    }

    internal static double ParseRate(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? rate : DefaultSamplingRate;

    /// <summary>daprd exports over OTLP only when both <c>endpointAddress</c> and <c>protocol</c> (http|grpc) are set.</summary>
    private static Uri? Endpoint(Uri? overrideEndpoint, JsonObject? otel, out OtlpExportProtocol protocol)
    {
        protocol = OtlpExportProtocol.Grpc;
        if (overrideEndpoint is not null)
        {
            return overrideEndpoint;
        }
        var address = otel?["endpointAddress"]?.ToString();
        var kind = otel?["protocol"]?.ToString();
        if (string.IsNullOrEmpty(address) || kind is not ("grpc" or "http"))
        {
            return null;
        }
        protocol = kind == "http" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        var secure = string.Equals(otel?["isSecure"]?.ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var url = address.Contains("://", StringComparison.Ordinal) ? address : $"{(secure ? "https" : "http")}://{address}";
        return Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) ? uri : null;
    }
}
