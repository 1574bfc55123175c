using System.Text.Json;
using System.Text.Json.Serialization;
using Dapr;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.Inventory.IntegrationEvents.EventHandling;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InventoryOptions>()
            .BindConfiguration(nameof(InventoryOptions))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddServiceOpenApi();
        builder.Services.AddSingleton<InventoryMetrics>();
        builder.Services.AddSingleton<IReservationRecords, DaprReservationRecords>();
        builder.Services.AddSingleton<IInventoryEventPublisher, DaprInventoryEventPublisher>();
        builder.Services.AddSingleton<ActorStockLedger>();
        builder.Services.AddSingleton<StateStoreStockLedger>();
        builder.Services.AddSingleton<IStockLedger>(ChooseLedger);
        builder.Services.AddSingleton<ReservationCoordinator>();
        builder.Services.AddSingleton<AvailabilityCache>();
        builder.Services.AddSingleton<OrderSubmittedHandler>();
        builder.Services.AddSingleton<OrderConfirmedHandler>();
        builder.Services.AddSingleton<OrderCancelledHandler>();
        builder.Services.AddSingleton<ReservationSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ReservationSweeper>());

        builder.AddStockActors();
        builder.ListenOnAppPort();
        return builder;
    }

    // The StockActor type is always hosted so switching the ledger is configuration only.
    private static void AddStockActors(this IHostApplicationBuilder builder)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

        // The sidecar address is read when the container resolves it (not while registering), because hosts such as
        // WebApplicationFactory add configuration after this runs. Registered before AddActors, whose TryAdd keeps it.
        builder.Services.AddSingleton<IActorProxyFactory>(provider =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            return new ActorProxyFactory(new ActorProxyOptions
            {
                HttpEndpoint = SidecarHttpEndpoint(configuration),
                DaprApiToken = DaprDefaults.GetDefaultDaprApiToken(configuration),
                UseJsonSerialization = true,
                JsonSerializerOptions = json,
            });
        });

        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<StockActor>();
            options.UseJsonSerialization = true;
            options.JsonSerializerOptions = json;
        });
        builder.Services.AddOptions<ActorRuntimeOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            options.HttpEndpoint = SidecarHttpEndpoint(configuration);
            options.DaprApiToken = DaprDefaults.GetDefaultDaprApiToken(configuration);
        });
    }

    // The actor SDK appends "/v1.0/..." to this, so a trailing slash would make every actor call a 404.
    private static string SidecarHttpEndpoint(IConfiguration configuration) =>
        DaprDefaults.GetDefaultHttpEndpoint(configuration).TrimEnd('/');

    private static IStockLedger ChooseLedger(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<InventoryOptions>>().Value;
        IStockLedger ledger = options.Ledger == StockLedgerKind.Actor
            ? provider.GetRequiredService<ActorStockLedger>()
            : provider.GetRequiredService<StateStoreStockLedger>();
        return options.SoldOutFlag
            ? ActivatorUtilities.CreateInstance<SoldOutGate>(provider, ledger)
            : ledger;
    }
}
