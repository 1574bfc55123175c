using Flipkart.Catalog.Apis;
using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.Services;
using Flipkart.Catalog.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Caching.Distributed;

namespace Flipkart.Catalog.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<CatalogOptions>();
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A too-long query must reach the validator (400 ProblemDetails), not die as a bare 414 in Kestrel.
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
        });
        builder.Services.AddSingleton<ProductStore>();
        builder.Services.AddSingleton<CatalogIndex>();
        builder.Services.AddSingleton<ProductDetails>();
        builder.Services.AddIntegrationEventPublisher(Topics.Catalog);
        builder.Services.AddSingleton<ProductEditor>();
        builder.Services.AddSingleton<ProductChangedHandler>();
        builder.Services.AddHostedService<CatalogLoader>();
        builder.Services.AddHealthChecks().AddCheck<CatalogIndexHealthCheck>("catalog-index");

        // HybridCache takes the registered IDistributedCache as its second level: here, Dapr's `cache` store.
        builder.Services.AddSingleton<IDistributedCache, DaprDistributedCache>();
        builder.Services.AddHybridCache();
        return builder;
    }
}
