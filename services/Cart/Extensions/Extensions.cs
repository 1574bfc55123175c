using Flipkart.Cart.Infrastructure;
using Flipkart.Cart.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<CartOptions>();
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddDaprInvocationClient<CatalogClient>(AppIds.Catalog);
        builder.Services.AddSingleton<OrderConfirmedHandler>();
        return builder;
    }
}
