using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>
/// Loads the cluster's <c>kind: Resiliency</c> documents (an invalid one refuses start-up, naming it) and applies them
/// to each sidecar's outbound calls: service invocation (<c>apps</c> targets) and state stores (<c>components.*.outbound</c>).
/// Pub/sub publishing and delivery use the same <see cref="ResiliencyProvider"/> from the pub/sub module.
/// </summary>
public sealed class ResiliencyModule : ISidecarModule
{
    public int Order => -100;

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        var documents = new List<ResiliencyDocument>();
        foreach (var document in cluster.Resources.OfKind("Resiliency"))
        {
            try
            {
                documents.Add(ResiliencyDocument.Parse(document.Json));
            }
            catch (ResiliencyLoadException ex)
            {
                throw new DaprResourceException($"{document.Source}: {ex.Message}", ex);
            }
        }

        // daprd logs every change of a breaker's state; an open one is worth a warning here (it fails calls for a while).
        var logger = cluster.LoggerFactory.CreateLogger("Flipkart.EmbeddedDapr.Resiliency");
        services.AddSingleton(new ResiliencyProvider(documents, cluster.TimeProvider, report => logger.LogWarning("{Report}", report)));
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton<IResiliencyPolicies>(new DaprResiliencyPolicies(sidecar, sidecar.Cluster.Services.GetRequiredService<ResiliencyProvider>()));
}

/// <summary>
/// gRPC <c>Unavailable</c> from the remote daprd (the sidecar-to-sidecar stream broke). daprd's HTTP API wraps it as a
/// transport error that every retry policy retries (it is no status-code error, so <c>matching</c> does not apply), and
/// without a policy for the target its built-in service retries take it (dapr pkg/messaging/direct_messaging.go).
/// </summary>
public class SidecarUnavailableException(string message) : HttpRequestException(message);

/// <summary>The core's resiliency hook, backed by the loaded Resiliency documents of this sidecar's app id.</summary>
internal sealed class DaprResiliencyPolicies(SidecarContext sidecar, ResiliencyProvider provider) : IResiliencyPolicies
{
    public async Task<HttpResponseMessage> ExecuteAppCallAsync(
        string targetAppId, Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        var policy = provider.ForApp(sidecar.AppId, targetAppId);
        if (policy.IsNone)
        {
            return await BuiltInServiceRetriesAsync(call, cancellationToken);
        }

        HttpResponseMessage? previous = null;
        try
        {
            // daprd hands non-2xx/3xx answers to the retry policy and the breaker as status-code errors, then passes
            // the last one through. Only a failed answer is ever followed by another attempt, which disposes it.
            return await policy.ExecuteAsync(async ct =>
            {
                previous?.Dispose();
                previous = await Guard(call, ct);
                return previous;
            }, cancellationToken, errorCode: AppErrorCode);
        }
        catch (PermanentFailureException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        catch (TimeoutRejectedException)
        {
            throw DaprErrors.DirectInvoke(targetAppId, "context deadline exceeded");
        }
        catch (CircuitBreakerOpenException ex)
        {
            throw DaprErrors.DirectInvoke(targetAppId, ex.Message);
        }
    }

    private static int? AppErrorCode(HttpResponseMessage response) =>
        (int)response.StatusCode is var code and (< 200 or >= 400) ? code : null;

    /// <summary>
    /// daprd's <c>DaprBuiltInServiceRetries</c> (pkg/resiliency/resiliency.go: constant 1 s, 3 retries) for a target without
    /// a policy: only <c>Unavailable</c>/<c>Unauthenticated</c> from the remote daprd is retried, anything else is final.
    /// </summary>
    private async Task<HttpResponseMessage> BuiltInServiceRetriesAsync(Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (SidecarUnavailableException) when (retry < 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), sidecar.TimeProvider, cancellationToken);
            }
        }
    }

    public async Task<T> ExecuteComponentCallAsync<T>(
        string componentName, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var kind = sidecar.Components.FirstOrDefault(c => c.Name == componentName)?.Category ?? "state";
        var policy = provider.ForComponent(sidecar.AppId, componentName, kind, ComponentDirection.Outbound);
        if (policy.IsNone)
        {
            return await call(cancellationToken);
        }

        try
        {
            return await policy.ExecuteAsync(ct => Guard(call, ct), cancellationToken);
        }
        catch (PermanentFailureException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        catch (TimeoutRejectedException)
        {
            throw new StateStoreException(StateErrorKind.Other, "context deadline exceeded");
        }
        catch (CircuitBreakerOpenException ex)
        {
            throw new StateStoreException(StateErrorKind.Other, ex.Message);
        }
    }

    /// <summary>ETag failures and other permanent daprd errors must never be retried.</summary>
    private static async Task<T> Guard<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (DaprApiException ex) when (ex.IsPermanent)
        {
            throw new PermanentFailureException(ex.Message, ex);
        }
        catch (StateStoreException ex) when (ex.Kind != StateErrorKind.Other)
        {
            throw new PermanentFailureException(ex.Message, ex);
        }
    }
}
