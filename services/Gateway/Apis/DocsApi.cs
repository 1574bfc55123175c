using Flipkart.Gateway.Infrastructure;
using Scalar.AspNetCore;

namespace Flipkart.Gateway.Apis;

public static class DocsApi
{
    /// <summary>
    /// Scalar UI at <c>/docs</c> over every service's OpenAPI document. Each is fetched through Dapr at
    /// <c>/openapi/{app}.json</c> (a proxied route); the gateway's own is <c>/openapi/gateway.json</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapDocsApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithTitle("Flipkart.Dapr API");
            options.AddDocument("gateway", "Gateway (auth)", "/openapi/gateway.json");
            foreach (var appId in DaprRoutes.DocumentedApps)
            {
                options.AddDocument(appId, char.ToUpperInvariant(appId[0]) + appId[1..], $"/openapi/{appId}.json", isDefault: appId == "catalog");
            }
        }).AllowAnonymous();
        return app;
    }
}
