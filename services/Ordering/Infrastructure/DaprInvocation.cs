using Dapr.Client;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// Named HttpClients that reach another app through the sidecar's service invocation API
/// (<c>http://&lt;app-id&gt;/path</c> is rewritten to <c>{sidecar}/v1.0/invoke/&lt;app-id&gt;/method/path</c>).
/// The sidecar's Resiliency policy (timeouts, retries, breaker per target app) governs these calls, so the default
/// client-side resilience handler is removed rather than multiplying the retries.
/// </summary>
public static class DaprInvocation
{
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the only way to opt one client out of ConfigureHttpClientDefaults
    public static IHttpClientBuilder AddDaprInvocationClient(this IServiceCollection services, string appId) =>
        services.AddHttpClient(appId, (sp, client) =>
            {
                client.BaseAddress = new Uri($"http://{appId}/");
                if (sp.GetRequiredService<IConfiguration>()["DAPR_API_TOKEN"] is { Length: > 0 } token)
                {
                    client.DefaultRequestHeaders.Add("dapr-api-token", token);
                }
            })
            .AddHttpMessageHandler(sp => new InvocationHandler { DaprEndpoint = SidecarHttpEndpoint(sp.GetRequiredService<IConfiguration>()) })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

    // The same settings daprd's environment contract (and the Dapr SDK) use.
    public static string SidecarHttpEndpoint(IConfiguration configuration) =>
        configuration["DAPR_HTTP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint
        : $"http://127.0.0.1:{(configuration["DAPR_HTTP_PORT"] is { Length: > 0 } port ? port : "3500")}";
}
