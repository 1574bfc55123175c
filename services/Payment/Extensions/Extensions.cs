using Flipkart.Payment.Infrastructure;
using Flipkart.Payment.IntegrationEvents.EventHandling;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PaymentOptions>().BindConfiguration(nameof(PaymentOptions)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        services.AddServiceOpenApi();

        services.AddSingleton<IPaymentRepository, PaymentRepository>();
        services.AddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        services.AddSingleton<PaymentProcessor>();
        services.AddSingleton<IIntegrationEventHandler<StockReserved>, StockReservedHandler>();
        services.AddSingleton<IIntegrationEventHandler<OrderCancelled>, OrderCancelledHandler>();

        builder.ListenOnAppPort();
        return builder;
    }
}
