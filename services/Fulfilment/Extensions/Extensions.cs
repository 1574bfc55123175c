using Dapr.Workflow;
using Flipkart.Fulfilment.Infrastructure;
using Flipkart.Fulfilment.Services;
using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<FulfilmentOptions>();
        var services = builder.Services;

        services.AddSingleton<ShipmentRepository>();
        services.AddSingleton<CourierEventLog>();
        services.AddSingleton<CourierKey>();
        services.AddSingleton<ShipmentService>();
        services.AddIntegrationEventPublisher(Topics.Fulfilment);

        // Refunds and restocks go through the sidecar, whose Resiliency policy governs them; the workflow's activity
        // retry policy is the one retry above that, so the client-side handler is removed rather than multiplied.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the only way to opt one client out of ConfigureHttpClientDefaults
        services.AddDaprInvocationClient<PaymentClient>(AppIds.Payment).RemoveAllResilienceHandlers();
        services.AddDaprInvocationClient<InventoryClient>(AppIds.Inventory).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        // The workflows' history lives in the sidecar's actor state store (`actor-store`); this app runs their code.
        // Dapr.Workflow's source generator registers every workflow and activity of this assembly (Workflows/,
        // Workflows/Activities/) by its type name; registering them here too would register each twice (a warning each).
        services.AddDaprWorkflow();
        return builder;
    }
}
