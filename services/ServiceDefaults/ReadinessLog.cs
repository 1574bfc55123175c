using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Answers a health probe and logs only when the answer changes. A service that is still starting (its sidecar or its
/// data not there yet) is expected to be unready and says so at Debug; one that was ready and stops being ready says
/// so once as a warning, with the failing checks, and once more when it recovers. The kubelet's own probe records
/// show the rest.
/// </summary>
internal sealed class ReadinessLog(string probe)
{
    private HealthStatus? _last;
    private bool _wasReady;

    public async Task WriteAsync(HttpContext context, HealthReport report)
    {
        Report(context.RequestServices.GetService(typeof(ILoggerFactory)) as ILoggerFactory, report);

        // The default writer's plain-text answer, which probes and scripts already read.
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted);
    }

    private void Report(ILoggerFactory? loggers, HealthReport report)
    {
        HealthStatus? previous;
        lock (this)
        {
            previous = _last;
            _last = report.Status;
            if (previous == report.Status)
            {
                return;
            }
        }

        var logger = loggers?.CreateLogger("Flipkart.Health");
        if (logger is null)
        {
            return;
        }
        var failing = string.Join("; ", report.Entries
            .Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()}"));
        if (report.Status == HealthStatus.Healthy)
        {
            var recovered = _wasReady;
            _wasReady = true;
            logger.Log(recovered ? LogLevel.Information : LogLevel.Debug, "{Probe}: healthy{Again}", probe, recovered ? " again" : "");
        }
        else if (_wasReady)
        {
            logger.LogWarning("{Probe}: {Status} ({Failing})", probe, report.Status, failing);
        }
        else
        {
            logger.LogDebug("{Probe}: {Status} while starting ({Failing})", probe, report.Status, failing);
        }
    }
}
