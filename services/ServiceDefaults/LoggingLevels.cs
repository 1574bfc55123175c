using Dapr;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Which log events are worth a line. Serilog replaces Microsoft's logger factory, so the <c>Logging:LogLevel</c>
/// section every ASP.NET Core developer reaches for would otherwise be ignored: its levels are applied here first and
/// the <c>Serilog</c> section (more specific to the logger in use) after, so either works and Serilog's wins a tie.
/// Plumbing that runs all the time — probes, readiness polls, Dapr's own callbacks — stays below Information.
/// </summary>
internal static class LoggingLevels
{
    /// <summary>Categories whose Information lines repeat on every probe or request without saying anything new.</summary>
    private static readonly Dictionary<string, LogEventLevel> QuietDefaults = new(StringComparer.Ordinal)
    {
        // Request start/finish and endpoint selection: UseSerilogRequestLogging writes one line per request instead.
        ["Microsoft.AspNetCore.Hosting.Diagnostics"] = LogEventLevel.Warning,
        ["Microsoft.AspNetCore.Routing"] = LogEventLevel.Warning,
        ["Microsoft.AspNetCore.Http.Result"] = LogEventLevel.Warning,
        ["System.Net.Http.HttpClient"] = LogEventLevel.Warning,
        // The standard resilience handler reports every successful attempt at Information; retries still warn.
        ["Polly"] = LogEventLevel.Warning,
        // An unhealthy check logs an error on every probe; ReadinessLog reports the transitions instead.
        ["Microsoft.Extensions.Diagnostics.HealthChecks"] = LogEventLevel.Fatal,
    };

    public static LoggerConfiguration Apply(LoggerConfiguration logger, IConfiguration configuration)
    {
        foreach (var (category, level) in QuietDefaults)
        {
            logger.MinimumLevel.Override(category, level);
        }

        foreach (var entry in configuration.GetSection("Logging:LogLevel").GetChildren())
        {
            if (entry.Value is not { Length: > 0 } text || !Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(text, ignoreCase: true, out var level))
            {
                continue;
            }
            if (entry.Key == "Default")
            {
                logger.MinimumLevel.Is(ToSerilog(level));
            }
            else
            {
                logger.MinimumLevel.Override(entry.Key, ToSerilog(level));
            }
        }

        return logger.ReadFrom.Configuration(configuration);
    }

    /// <summary>Microsoft's <c>None</c> has no Serilog name; one above Fatal lets nothing through.</summary>
    internal static LogEventLevel ToSerilog(Microsoft.Extensions.Logging.LogLevel level) => level switch
    {
        Microsoft.Extensions.Logging.LogLevel.Trace => LogEventLevel.Verbose,
        Microsoft.Extensions.Logging.LogLevel.Debug => LogEventLevel.Debug,
        Microsoft.Extensions.Logging.LogLevel.Information => LogEventLevel.Information,
        Microsoft.Extensions.Logging.LogLevel.Warning => LogEventLevel.Warning,
        Microsoft.Extensions.Logging.LogLevel.Error => LogEventLevel.Error,
        Microsoft.Extensions.Logging.LogLevel.Critical => LogEventLevel.Fatal,
        _ => LogEventLevel.Fatal + 1,
    };

    /// <summary>
    /// The level of the one line UseSerilogRequestLogging writes per request: probes at Verbose whatever they answer
    /// (a failing readiness is reported once, by <see cref="ReadinessLog"/>), daprd's <c>/dapr/*</c> questions and successful
    /// Dapr callbacks (subscription deliveries, actor calls) at Debug, server errors at Error, everything else at Information.
    /// </summary>
    public static LogEventLevel RequestLevel(HttpContext context, Exception? exception)
    {
        if (IsProbe(context.Request.Path))
        {
            return LogEventLevel.Verbose;
        }
        if (exception is not null || context.Response.StatusCode >= 500)
        {
            return LogEventLevel.Error;
        }
        // daprd asks every app for /dapr/config and /dapr/subscribe; a 404 there only means "none".
        return context.Request.Path.StartsWithSegments("/dapr") || (IsDaprCallback(context) && context.Response.StatusCode < 400)
            ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }

    public static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    private static bool IsDaprCallback(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/dapr")
        || context.Request.Path.StartsWithSegments("/actors")
        || context.GetEndpoint()?.Metadata.GetMetadata<ITopicMetadata>() is not null;
}
