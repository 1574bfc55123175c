using Flipkart.Inventory.Domain;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// Periodically settles reservations that outlived their expiry plus the grace period. Ordering normally cancels
/// such orders first (it owns expiry), so this only acts when that signal was lost. Every replica may sweep;
/// the order record's compare-and-swap makes concurrent sweeps harmless.
/// </summary>
public sealed class ReservationSweeper(IServiceProvider services, IOptionsMonitor<InventoryOptions> options, TimeProvider time, ILogger<ReservationSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.SweepInterval, time, stoppingToken);
                await SweepOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The sidecar may be down or restarting; the next round tries again.
                logger.LogWarning(ex, "Reservation sweep failed");
            }
        }
    }

    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var coordinator = services.GetRequiredService<ReservationCoordinator>();
        var records = services.GetRequiredService<IReservationRecords>();
        var settled = 0;
        foreach (var productId in await records.GetProductIdsAsync(cancellationToken))
        {
            settled += await coordinator.SweepAsync(productId, cancellationToken);
        }
        if (settled > 0)
        {
            logger.LogInformation("Reservation sweep settled {Count} lapsed holds", settled);
        }
        return settled;
    }
}
