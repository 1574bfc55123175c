using Flipkart.Cart.Infrastructure;
using Flipkart.Cart.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CartOptions>()
            .BindConfiguration(nameof(CartOptions))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddServiceOpenApi();
        builder.Services.AddCallerAuthentication();
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddDaprInvocationClient<CatalogClient>(AppIds.Catalog);
        builder.Services.AddSingleton<OrderConfirmedHandler>();

        builder.ListenOnAppPort();
        return builder;
    }
}
