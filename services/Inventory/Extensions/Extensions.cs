using System.Text.Json;
using System.Text.Json.Serialization;
using Dapr;
using Dapr.Actors.Client;
using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.Inventory.IntegrationEvents.EventHandling;
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
        builder.Services.AddSingleton<InventoryMetrics>();
        builder.Services.AddSingleton<IReservationRecords, DaprReservationRecords>();
        builder.Services.AddSingleton<IInventoryEventPublisher, DaprInventoryEventPublisher>();
        builder.Services.AddSingleton<ActorStockLedger>();
        builder.Services.AddSingleton<StateStoreStockLedger>();
        builder.Services.AddSingleton<IStockLedger>(ChooseLedger);
        builder.Services.AddSingleton<ReservationCoordinator>();
        builder.Services.AddSingleton<OrderSubmittedHandler>();
        builder.Services.AddSingleton<OrderConfirmedHandler>();
        builder.Services.AddSingleton<OrderCancelledHandler>();
        builder.Services.AddSingleton<ReservationSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ReservationSweeper>());

        builder.AddStockActors();
        return builder;
    }

    // The StockActor type is always hosted so switching the ledger is configuration only.
    private static void AddStockActors(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        var httpEndpoint = DaprDefaults.GetDefaultHttpEndpoint(configuration);
        var apiToken = DaprDefaults.GetDefaultDaprApiToken(configuration);

        // Registered before AddActors so its TryAdd keeps this one: the proxy must find the sidecar the same way
        // DaprClient does (configuration first) and speak JSON like the actor host below.
        builder.Services.AddSingleton<IActorProxyFactory>(_ => new ActorProxyFactory(new ActorProxyOptions
        {
            HttpEndpoint = httpEndpoint,
            DaprApiToken = apiToken,
            UseJsonSerialization = true,
            JsonSerializerOptions = json,
        }));

        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<StockActor>();
            options.UseJsonSerialization = true;
            options.JsonSerializerOptions = json;
            options.HttpEndpoint = httpEndpoint;
            options.DaprApiToken = apiToken;
        });
    }

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
