using Flipkart.Storefront.Gateway;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Flipkart.Storefront.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorefrontOptions>()
            .Bind(builder.Configuration.GetSection(StorefrontOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddHttpContextAccessor();

        builder.Services.AddHttpClient<GatewayApi>((services, http) =>
        {
            http.BaseAddress = services.GetRequiredService<IOptions<StorefrontOptions>>().Value.GatewayUrl;
        });
        builder.Services.AddSingleton<OrderEventStream>();

        // The storefront has no sidecar: it calls nothing but the gateway's public URL. So readiness means "the
        // gateway answers", and the shared Dapr sidecar check (which would always fail here) is dropped.
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            foreach (var sidecar in options.Registrations.Where(r => r.Name == "dapr-sidecar").ToList())
            {
                options.Registrations.Remove(sidecar);
            }
        });
        builder.Services.AddHttpClient(GatewayHealthCheck.ClientName, (services, http) =>
        {
            http.BaseAddress = services.GetRequiredService<IOptions<StorefrontOptions>>().Value.GatewayUrl;
            http.Timeout = TimeSpan.FromSeconds(3);
        });
        builder.Services.AddHealthChecks().AddCheck<GatewayHealthCheck>("gateway", tags: ["ready"]);
    }

    public static WebApplication UseStorefrontPipeline(this WebApplication app)
    {
        // Pages get a readable error page and a not-found page; the shared handlers outside answer only when these don't.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseAntiforgery();
        return app;
    }
}

/// <summary>Ready when the gateway's liveness endpoint answers.</summary>
public sealed class GatewayHealthCheck(IHttpClientFactory clients) : IHealthCheck
{
    public const string ClientName = "gateway-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await clients.CreateClient(ClientName).GetAsync("healthz", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"The gateway answered {(int)response.StatusCode}.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy("The gateway is not reachable.", e);
        }
    }
}
