using Flipkart.Notification.Infrastructure;
using Flipkart.Notification.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>()
            .BindConfiguration(nameof(NotificationOptions))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddServiceOpenApi();
        builder.Services.AddSingleton<NotificationStore>();
        builder.Services.AddSingleton<OrderStatusSignals>();
        builder.Services.AddSingleton<PerUserSlots>();
        builder.Services.AddDaprInvocationClient<OrderingClient>(AppIds.Ordering);

        builder.Services.AddSingleton<OrderActivity>();
        builder.Services.AddSingleton<OrderSubmittedHandler>();
        builder.Services.AddSingleton<StockReservedHandler>();
        builder.Services.AddSingleton<PaymentSucceededHandler>();
        builder.Services.AddSingleton<OrderConfirmedHandler>();
        builder.Services.AddSingleton<OrderCancelledHandler>();
        builder.Services.AddSingleton<PaymentRefundedHandler>();

        builder.ListenOnAppPort();
        return builder;
    }
}
