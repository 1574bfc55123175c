using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flipkart.ServiceDefaults;

/// <summary>Readiness depends on the sidecar: without it the service can reach no state, pub/sub or peers.</summary>
public sealed class DaprSidecarHealthCheck(DaprClient dapr) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var healthy = await dapr.CheckOutboundHealthAsync(cancellationToken);
        return healthy ? HealthCheckResult.Healthy() : new HealthCheckResult(context.Registration.FailureStatus, "Dapr sidecar is not reachable");
    }
}
