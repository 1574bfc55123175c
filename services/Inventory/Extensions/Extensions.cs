using Flipkart.Inventory.Actors;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackendService<InventoryOptions>();
        builder.Services.AddSingleton<InventoryMetrics>();
        builder.Services.AddSingleton<IReservationRecords, DaprReservationRecords>();
        builder.Services.AddIntegrationEventPublisher(Topics.Inventory);
        builder.Services.AddSingleton<ActorStockLedger>();
        builder.Services.AddSingleton<StateStoreStockLedger>();
        builder.Services.AddSingleton<IStockLedger>(ChooseLedger);
        builder.Services.AddDaprInvocationClient(AppIds.Ordering);
        builder.Services.AddSingleton<IOrderOutcomes, OrderingOrderOutcomes>();
        builder.Services.AddSingleton<IOutcomeRetries, ActorOutcomeRetries>();
        builder.Services.AddSingleton<ReservationCoordinator>();
        builder.Services.AddSingleton<AvailabilityCache>();
        builder.Services.AddSingleton<ReservationSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ReservationSweeper>());

        // The StockActor type is always hosted, so switching the ledger is configuration only.
        builder.Services.AddDaprActors(actors =>
        {
            actors.RegisterActor<StockActor>();
            actors.RegisterActor<OutcomeRelayActor>();
        });
        return builder;
    }

    private static IStockLedger ChooseLedger(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<InventoryOptions>>().Value;
        IStockBuckets store = options.Ledger == StockLedgerKind.Actor
            ? provider.GetRequiredService<ActorStockLedger>()
            : provider.GetRequiredService<StateStoreStockLedger>();
        // Split products need the bucketed walk; with one bucket per product the store is the ledger, as before.
        IStockLedger ledger = options.StockBuckets > 1
            ? ActivatorUtilities.CreateInstance<BucketedStockLedger>(provider, store)
            : store;
        return options.SoldOutFlag
            ? ActivatorUtilities.CreateInstance<SoldOutFlagLedger>(provider, ledger)
            : ledger;
    }
}
