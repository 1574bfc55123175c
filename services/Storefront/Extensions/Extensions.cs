using Flipkart.ServiceDefaults;
using Flipkart.Storefront.Gateway;
using Flipkart.Storefront.Hosting;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
        builder.Services.AddScoped<ShopperAddress>();
        builder.Services.AddScoped<CircuitHandler, ShopperAddressCircuitHandler>();
        builder.AddProductionHygiene();

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

    /// <summary>
    /// Behind a TLS-terminating ingress with several replicas: the shopper's address and scheme from the trusted proxies,
    /// cookies <c>Secure</c> outside Development, and one Data Protection key ring for every replica.
    /// </summary>
    private static void AddProductionHygiene(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorefrontOptions.SectionName).Get<StorefrontOptions>() ?? new StorefrontOptions();
        builder.Services.TrustForwardedHeadersFrom(options.TrustedProxyNetworks);
        builder.Services.Configure<CookiePolicyOptions>(cookies =>
            cookies.Secure = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("flipkart-storefront");
        if (options.DataProtectionKey is { Length: > 0 } secret)
        {
            if (secret.Length < SharedKeyRing.MinimumSecretLength)
            {
                throw new InvalidOperationException($"Storefront:DataProtectionKey has {secret.Length} characters; use at least {SharedKeyRing.MinimumSecretLength} (openssl rand -base64 48).");
            }
            dataProtection.DisableAutomaticKeyGeneration();
            builder.Services.Configure<KeyManagementOptions>(keys => keys.XmlRepository = new SharedKeyRing(secret));
        }
        else if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"Storefront:DataProtectionKey is not set. Outside Development (here: {builder.Environment.EnvironmentName}) every replica must share one " +
                "Data Protection key ring, or a form rendered by one pod is refused by another: put a random secret there (openssl rand -base64 48).");
        }
    }

    public static WebApplication UseStorefrontPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<StorefrontOptions>>().Value.TrustedProxyNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseCookiePolicy();
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
