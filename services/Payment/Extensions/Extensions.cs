using Flipkart.Payment.Infrastructure;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<PaymentOptions>();
        var services = builder.Services;

        services.AddSingleton<IPaymentRepository, PaymentRepository>();
        services.AddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        services.AddSingleton<PaymentProcessor>();
        return builder;
    }
}
