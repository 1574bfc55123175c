using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Formatting.Compact;

namespace Flipkart.ServiceDefaults;

/// <summary>The one place for plumbing every service shares: logs, traces, metrics, health, errors, Dapr.</summary>
public static class Extensions
{
    private const string LiveTag = "live";
    private const string ReadyTag = "ready";

    /// <summary>Activity sources and meters of our own code are named under this prefix.</summary>
    public const string TelemetryPrefix = "Flipkart.";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var appId = AppId(builder.Configuration, builder.Environment);

        builder.AddSerilog(appId);
        builder.AddOpenTelemetry(appId);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .AddCheck<DaprSidecarHealthCheck>("dapr-sidecar", tags: [ReadyTag]);

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
        });
        // One instance both as the exception handler and for ProblemResult, which answers the same without a throw.
        builder.Services.AddSingleton<ProblemDetailsExceptionHandler>();
        builder.Services.AddSingleton<IExceptionHandler>(services => services.GetRequiredService<ProblemDetailsExceptionHandler>());
        builder.Services.AddSingleton<InFlightDeliveries>();
        builder.Services.AddTransient<IStartupFilter>(_ => new ServiceDefaultsStartupFilter(AppApiToken(builder.Configuration, appId)));

        builder.Services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        // State, invocation replies and events are read leniently: a record stored or sent by another version
        // (a field added or dropped) must still load. Client input stays strict (ConfigureHttpJsonOptions above).
        builder.Services.AddDaprClient(dapr => dapr.UseJsonSerializationOptions(ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false)));

        // Calls to external endpoints get bounded retries, timeouts and a breaker. Calls through Dapr are
        // governed by the sidecar's Resiliency resource instead, so they are not wrapped twice.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        return builder;
    }

    /// <summary>Liveness (<c>/healthz</c>: the process answers) and readiness (<c>/readyz</c>: it can reach its sidecar).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag), ResponseWriter = new ReadinessLog("/healthz").WriteAsync })
            .ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = _ => true, ResponseWriter = new ReadinessLog("/readyz").WriteAsync })
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Shared JSON rules: camelCase and enums as strings. <paramref name="strict"/> rejects unknown members, so
    /// clients cannot smuggle fields such as <c>price</c> or <c>status</c> into a request, and numbers sent as strings.
    /// </summary>
    public static JsonSerializerOptions ConfigureJson(JsonSerializerOptions options, bool strict = true)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip;
        // The web defaults read "1" as 1; a client sending a quantity as a string sent the wrong type.
        options.NumberHandling = strict ? JsonNumberHandling.Strict : JsonNumberHandling.AllowReadingFromString;
        options.MaxDepth = 32;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter());
        }
        return options;
    }

    /// <summary>The Dapr app-id: from <c>APP_ID</c> (set by dapr run, DevHost and k8s), else the application name.</summary>
    public static string AppId(IConfiguration configuration, IHostEnvironment environment) =>
        configuration["APP_ID"] is { Length: > 0 } id ? id : environment.ApplicationName.ToLowerInvariant();

    private static void AddSerilog(this IHostApplicationBuilder builder, string appId)
    {
        // With an OTLP endpoint, Serilog also hands every event to the OpenTelemetry logger provider (the only
        // provider left registered), so logs reach the collector next to traces and metrics.
        var exportLogs = ExportsOtlp(builder.Configuration);
        builder.Logging.ClearProviders();
        // Each host logs through its own logger, never the static Log.Logger: otherwise the last host started in a
        // process (tests start many side by side) would receive every other host's events.
        builder.Services.AddSerilog((services, logger) =>
        {
            LoggingLevels.Apply(logger, builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("app", appId);

            // Structured JSON (with @tr/@sp trace ids) unless appsettings names its own sinks.
            if (!builder.Configuration.GetSection("Serilog:WriteTo").Exists())
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        }, preserveStaticLogger: true, writeToProviders: exportLogs);
        CachedLoggers.Wrap(builder.Services);
    }

    /// <summary>OTLP export is on when an endpoint is configured (DevHost points it at its dashboard; Kubernetes at the collector).</summary>
    private static bool ExportsOtlp(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// Traces, metrics and logs to OTLP when an endpoint is configured. Without one nothing would collect them, so no
    /// provider is registered: recording spans and metrics nobody exports was 2–4 % of every service's CPU in a flash
    /// sale (docs/performance.md). Trace context does not depend on it: ASP.NET Core still starts each request's
    /// activity from the caller's <c>traceparent</c> (it does whenever logging is on), Serilog stamps every line with
    /// that activity's ids, and HttpClient and gRPC calls to the sidecar carry it on.
    /// </summary>
    private static void AddOpenTelemetry(this IHostApplicationBuilder builder, string appId)
    {
        if (!ExportsOtlp(builder.Configuration))
        {
            return;
        }

        // Traces, metrics and logs (the standard OTEL_* variables choose protocol, headers and intervals).
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(appId))
            .WithTracing(tracing => tracing
                .AddSource(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !LoggingLevels.IsProbe(context.Request.Path))
                // The readiness check's call to the sidecar's health endpoint would be a root trace every probe.
                .AddHttpClientInstrumentation(options => options.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath.StartsWith("/v1.0/healthz", StringComparison.Ordinal) != true)
                .AddGrpcClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithLogging()
            .UseOtlpExporter();
    }

    /// <summary>
    /// The token daprd presents to this app (<c>APP_API_TOKEN</c>), or null when none is configured. The gateway is
    /// exempt: it is the public edge, reached by clients directly rather than through its sidecar, and authenticates
    /// them by JWT instead.
    /// </summary>
    private static string? AppApiToken(IConfiguration configuration, string appId) =>
        appId != AppIds.Gateway && configuration["APP_API_TOKEN"] is { Length: > 0 } token ? token : null;

    private sealed class ServiceDefaultsStartupFilter(string? appApiToken) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.UseRetryAfterOn503();
            if (appApiToken is not null)
            {
                app.UseMiddleware<AppApiTokenMiddleware>(appApiToken);
            }
            app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, exception) => LoggingLevels.RequestLevel(context, exception));
            next(app);
        };
    }
}
