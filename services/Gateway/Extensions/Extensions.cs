using Flipkart.Gateway.Apis;
using Flipkart.Gateway.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Flipkart.Gateway.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(nameof(GatewayOptions)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth").ValidateDataAnnotations().ValidateOnStart();
        var gateway = builder.Configuration.GetSection(nameof(GatewayOptions)).Get<GatewayOptions>() ?? new GatewayOptions();
        var auth = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
            // Long enough that an over-long query reaches our 400 ProblemDetails instead of a bare 414.
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
        });

        builder.Services.TrustForwardedHeadersFrom(gateway.TrustedProxyNetworks);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddGatewayRateLimiting();

        builder.Services.AddSingleton<PerUserSlots>();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(DaprRoutes.Routes(ApiDocsEnabled(gateway, builder.Environment)), DaprRoutes.Clusters(new Uri(DaprSidecar.HttpEndpoint(builder.Configuration)), gateway))
            .AddTransforms<DaprInvocationTransforms>();
        // After the proxy: YARP adds data protection too (for affinity cookies, unused here), which would register the
        // key-ring service AddStatelessAuthentication takes out again.
        builder.AddGatewayAuthentication(auth);

        builder.Services.AddServiceOpenApi("gateway");

        builder.ListenOnAppPort();
        return builder;
    }

    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value.TrustedProxyNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseEdgeGuards();
        app.UseRouting();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value;
        app.MapAuthApi(Authentication.DevTokensEnabled(auth, app.Environment));
        if (ApiDocsEnabled(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value, app.Environment))
        {
            app.MapDocsApi();
        }
        app.MapReverseProxy(proxy =>
        {
            proxy.UseSidecarOutagesAs503();
            proxy.UseStreamLimits();
            // YARP's default pipeline, which a custom one replaces.
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary><c>/docs</c> and every OpenAPI document describe the whole surface: served in Development, elsewhere only when asked for.</summary>
    public static bool ApiDocsEnabled(GatewayOptions options, IHostEnvironment environment) => options.ApiDocs ?? environment.IsDevelopment();
}
