using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Flipkart.Notification.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;

namespace Flipkart.Notification.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<NotificationOptions>();
        builder.Services.AddSingleton<NotificationStore>();
        builder.Services.AddSingleton<OrderStatusSignals>();
        builder.Services.AddSingleton<PerUserSlots>();
        builder.Services.AddDaprInvocationClient<OrderingClient>(AppIds.Ordering);

        // The reliability suite runs notification as a process its test host cannot reach into (DevHost owns the
        // process's startup hooks), so it still asks for the non-idempotent policy by this one setting.
        builder.Services.AddSingleton(builder.Configuration.GetValue<bool>("Testing:DisableDeduplication") ? InboxPolicy.AllowDuplicates : InboxPolicy.Default);
        builder.Services.AddSingleton<OrderActivity>();
        builder.Services.AddSingleton<OrderEventsHandler>();
        builder.Services.AddSingleton<FulfilmentEventsHandler>();
        return builder;
    }
}
