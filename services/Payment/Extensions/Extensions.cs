using Flipkart.Payment.Infrastructure;
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
        services.AddCallerAuthentication();

        services.AddSingleton<IPaymentRepository, PaymentRepository>();
        services.AddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        services.AddSingleton<PaymentProcessor>();

        builder.ListenOnAppPort();
        return builder;
    }
}
