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

        // Published at /openapi/v1.json; the gateway republishes it. Clients reach us only through the gateway.
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton<CartStore>();
        builder.Services.AddDaprInvocationClient<CatalogClient>(AppIds.Catalog);
        builder.Services.AddSingleton<OrderConfirmedHandler>();

        builder.ListenOnAppPort();
        return builder;
    }
}
