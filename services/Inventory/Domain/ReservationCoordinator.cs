using System.Diagnostics.CodeAnalysis;
using Dapr;
using Grpc.Core;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Domain;

/// <summary>
/// Turns saga events into stock movements for a whole order: all lines reserved or none (partial holds are
/// released), release and commit exactly once per order, and a safety-net expiry. The order record decides
/// races (see <see cref="OrderReservation"/>); per-product steps are idempotent, so replays converge. It handles
/// ordering's three events itself: OrderSubmitted reserves, OrderConfirmed commits, OrderCancelled releases.
/// An outcome is stored on the record before it is published; when the broker refuses the publish, a durable retry
/// (<see cref="IOutcomeRetries"/>) publishes it from the record and the delivery still succeeds, so a broker outage
/// neither fails deliveries (and trips the inbound circuit breaker) nor leaves them to the broker's slow redelivery.
/// </summary>
public sealed class ReservationCoordinator(
    IStockLedger ledger,
    IReservationRecords records,
    IIntegrationEventPublisher events,
    IOrderOutcomes orderOutcomes,
    IOutcomeRetries outcomeRetries,
    TimeProvider time,
    IOptionsMonitor<InventoryOptions> options,
    ILogger<ReservationCoordinator> logger)
    : IIntegrationEventHandler<OrderSubmitted>, IIntegrationEventHandler<OrderConfirmed>, IIntegrationEventHandler<OrderCancelled>
{
    public const string OutOfStockReason = "out of stock";
    public const string UnknownProductReason = "unknown product";
    public const string PurchaseLimitReason = "purchase limit exceeded";
    public const string ExpiredReason = "ReservationExpired";

    // A record changes a handful of times in its life; more lost races than this means something is looping.
    private const int RecordAttempts = 8;

    Task IIntegrationEventHandler<OrderSubmitted>.HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) => ReserveAsync(@event, cancellationToken);

    Task IIntegrationEventHandler<OrderConfirmed>.HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken) => CommitAsync(@event.OrderId, cancellationToken);

    Task IIntegrationEventHandler<OrderCancelled>.HandleAsync(OrderCancelled @event, CancellationToken cancellationToken) =>
        ReleaseAsync(@event.OrderId, @event.Reason ?? "OrderCancelled", cancellationToken);

    public Task ReserveAsync(OrderSubmitted order, CancellationToken cancellationToken) => ReserveAsync(order, publish: true, cancellationToken);

    /// <summary>
    /// Ordering's synchronous hold for a buy-now order it has not committed yet: reserves exactly as
    /// <see cref="ReserveAsync(OrderSubmitted, CancellationToken)"/> does and answers the record as stored, but
    /// publishes nothing. The outcome is announced by the order's OrderSubmitted, which exists only once ordering has
    /// committed the order (its delivery finds the record decided and publishes the stored outcome), so an order that
    /// is never committed announces nothing, and its hold lapses and is swept like any abandoned one. Null when the
    /// order's lines cannot be reserved at all.
    /// </summary>
    public Task<OrderReservation?> HoldAsync(OrderSubmitted order, CancellationToken cancellationToken) => ReserveAsync(order, publish: false, cancellationToken);

    private async Task<OrderReservation?> ReserveAsync(OrderSubmitted order, bool publish, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < RecordAttempts; attempt++)
        {
            var (record, etag) = await records.GetAsync(order.OrderId, cancellationToken);
            if (record is null)
            {
                if (!TryStart(order, out var started))
                {
                    if (publish)
                    {
                        await PublishAsync(new StockReservationFailed(order.OrderId, "", "invalid order lines", time.GetUtcNow()), cancellationToken);
                    }
                    return null;
                }
                // Created only if absent; either way the next pass works from the stored record and its ETag.
                await records.TrySaveAsync(started, "", cancellationToken);
                continue;
            }

            switch (record.Status)
            {
                case ReservationStatus.Reserving:
                    return await CompleteReservationAsync(record, etag, publish, cancellationToken);
                case ReservationStatus.Reserved or ReservationStatus.Failed:
                    // Duplicate delivery, or the delivery after ordering's synchronous hold: repeat the outcome in case
                    // the first publish was lost (or, after a hold, make the first one).
                    if (publish)
                    {
                        await PublishOutcomeAsync(record, cancellationToken);
                    }
                    return record;
                default:
                    logger.LogInformation("Order {OrderId} is already {Status}; nothing to reserve", order.OrderId, record.Status);
                    return record;
            }
        }
        throw new ConcurrencyConflictException($"The reservation record of order {order.OrderId} kept changing.");
    }

    public async Task ReleaseAsync(Guid orderId, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < RecordAttempts; attempt++)
        {
            var (record, etag) = await records.GetAsync(orderId, cancellationToken);
            if (record is null)
            {
                // The cancellation overtook its OrderSubmitted: leave a tombstone so the late submit reserves nothing.
                if (await records.TrySaveAsync(OrderReservation.Tombstone(orderId, reason, time.GetUtcNow()), "", cancellationToken))
                {
                    logger.LogInformation("Order {OrderId} cancelled before any reservation ({Reason})", orderId, reason);
                    return;
                }
                continue;
            }

            if (record.IsHolding)
            {
                record.MarkReleased(reason, time.GetUtcNow());
                if (!await records.TrySaveAsync(record, etag, cancellationToken))
                {
                    continue;
                }
            }
            else if (record.Status is ReservationStatus.Committed or ReservationStatus.Restocked)
            {
                // Cancelled after confirmation (before the parcel left the warehouse): the sold units come back.
                await RestockAsync(orderId, reason, cancellationToken);
                return;
            }
            else if (record.Status != ReservationStatus.Released)
            {
                logger.LogInformation("Order {OrderId} is {Status}; nothing to release", orderId, record.Status);
                return;
            }

            // Also reached on a redelivery after a crash between the record and the stock: finish the job.
            await ReleaseLinesAsync(record, cancellationToken);
            await PublishOutcomeAsync(record, cancellationToken);
            return;
        }
        throw new ConcurrencyConflictException($"The reservation record of order {orderId} kept changing.");
    }

    public async Task CommitAsync(Guid orderId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < RecordAttempts; attempt++)
        {
            var (record, etag) = await records.GetAsync(orderId, cancellationToken);
            if (record is null)
            {
                logger.LogWarning("Order {OrderId} was confirmed but inventory never saw it submitted", orderId);
                return;
            }

            if (record.IsHolding)
            {
                record.MarkCommitted(time.GetUtcNow());
                if (!await records.TrySaveAsync(record, etag, cancellationToken))
                {
                    continue;
                }
            }
            else if (record.Status == ReservationStatus.Restocked)
            {
                return; // a late duplicate: this order was sold and its units already came back
            }
            else if (record.Status != ReservationStatus.Committed)
            {
                // Ordering is the expiry authority and never confirms an expired order; reaching here is a saga bug.
                logger.LogError("Order {OrderId} was confirmed but its stock hold is {Status}", orderId, record.Status);
                return;
            }

            foreach (var line in record.Lines)
            {
                await ledger.CommitAsync(line.ProductId, orderId, cancellationToken);
            }
            return;
        }
        throw new ConcurrencyConflictException($"The reservation record of order {orderId} kept changing.");
    }

    /// <summary>
    /// Puts a sold order's units back on the shelf, exactly once: the record moves Committed → Restocked first (the
    /// race's arbiter), then each product restocks idempotently per order, so a retry after a crash in between
    /// finishes the job without counting twice. Answers the units restocked, or null for an order that was never sold.
    /// </summary>
    public async Task<int?> RestockAsync(Guid orderId, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < RecordAttempts; attempt++)
        {
            var (record, etag) = await records.GetAsync(orderId, cancellationToken);
            if (record?.Status == ReservationStatus.Committed)
            {
                record.MarkRestocked(reason, time.GetUtcNow());
                if (!await records.TrySaveAsync(record, etag, cancellationToken))
                {
                    continue;
                }
            }
            else if (record?.Status != ReservationStatus.Restocked)
            {
                logger.LogWarning("Order {OrderId} is {Status}; it has no sold units to restock", orderId, record?.Status.ToString() ?? "unknown");
                return null;
            }

            foreach (var line in record.Lines)
            {
                // A crash between the record's commit and the stock's leaves the units reserved: sell them first.
                await ledger.CommitAsync(line.ProductId, orderId, cancellationToken);
                await ledger.RestockAsync(line.ProductId, orderId, record.UserId, line.Quantity, cancellationToken);
            }
            logger.LogInformation("Order {OrderId}: {Units} units back on the shelf ({Reason})", orderId, record.Lines.Sum(l => l.Quantity), reason);
            return record.Lines.Sum(l => l.Quantity);
        }
        throw new ConcurrencyConflictException($"The reservation record of order {orderId} kept changing.");
    }

    /// <summary>
    /// Safety net for one product: settles holds that lapsed more than the grace period ago, and heals holds whose
    /// order was already settled elsewhere (a crash between the record and the stock). Returns holds settled.
    /// </summary>
    public async Task<int> SweepAsync(string productId, CancellationToken cancellationToken)
    {
        var stock = await ledger.GetAsync(productId, cancellationToken);
        if (stock is null)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var settled = 0;
        foreach (var orderId in stock.ExpiredBefore(now - options.CurrentValue.ExpiryGrace))
        {
            var (record, _) = await records.GetAsync(orderId, cancellationToken);
            switch (record?.Status)
            {
                case null or ReservationStatus.Released or ReservationStatus.Failed:
                    settled += await ledger.ReleaseAsync(productId, orderId, cancellationToken) ? 1 : 0;
                    break;
                case ReservationStatus.Committed or ReservationStatus.Restocked:
                    settled += await ledger.CommitAsync(productId, orderId, cancellationToken) ? 1 : 0;
                    break;
                default:
                    settled += await SettleLapsedHoldAsync(record, cancellationToken) ? 1 : 0;
                    break;
            }
        }
        return settled;
    }

    // A hold past its expiry and grace with no word from ordering. Ordering decides the order's fate and its
    // OrderConfirmed may merely be late, so ordering is asked: releasing a confirmed (paid) order's units would sell
    // them twice. While ordering cannot answer or has not decided, the hold stays and the next sweep asks again.
    private async Task<bool> SettleLapsedHoldAsync(OrderReservation record, CancellationToken cancellationToken)
    {
        var outcome = await orderOutcomes.GetAsync(record.OrderId, record.UserId, cancellationToken);
        switch (outcome)
        {
            case OrderOutcome.Confirmed:
                logger.LogWarning("Reservation of order {OrderId} lapsed at {ExpiresAt}, but ordering confirmed the order: committing it", record.OrderId, record.ExpiresAt);
                await CommitAsync(record.OrderId, cancellationToken);
                return true;
            case OrderOutcome.Cancelled or OrderOutcome.NotFound:
                logger.LogWarning("Reservation of order {OrderId} lapsed at {ExpiresAt} and ordering has it {Outcome}: releasing it", record.OrderId, record.ExpiresAt, outcome);
                await ReleaseAsync(record.OrderId, ExpiredReason, cancellationToken);
                return true;
            default:
                logger.LogWarning("Reservation of order {OrderId} lapsed at {ExpiresAt}; ordering's answer is {Outcome}, so the hold stays until it decides",
                    record.OrderId, record.ExpiresAt, outcome);
                return false;
        }
    }

    private async Task<OrderReservation?> CompleteReservationAsync(OrderReservation record, string etag, bool publish, CancellationToken cancellationToken)
    {
        foreach (var line in record.Lines)
        {
            var outcome = await ledger.ReserveAsync(line.ProductId, record.OrderId, record.UserId, line.Quantity, record.ExpiresAt, cancellationToken);
            if (FailureReason(outcome) is { } reason)
            {
                // All or nothing: give back whatever this order already holds before reporting the failure.
                await ReleaseLinesAsync(record, cancellationToken);
                record.MarkFailed(line.ProductId, reason, time.GetUtcNow());
                break;
            }
        }

        if (record.Status == ReservationStatus.Reserving)
        {
            record.MarkReserved(time.GetUtcNow());
        }

        if (await records.TrySaveAsync(record, etag, cancellationToken))
        {
            if (publish)
            {
                await PublishOutcomeAsync(record, cancellationToken);
            }
            return record;
        }
        return await SettleLostRaceAsync(record, publish, cancellationToken);
    }

    private static string? FailureReason(ReserveOutcome outcome) => outcome switch
    {
        ReserveOutcome.OutOfStock or ReserveOutcome.Passed => OutOfStockReason,
        ReserveOutcome.UnknownProduct => UnknownProductReason,
        ReserveOutcome.PurchaseLimitExceeded => PurchaseLimitReason,
        _ => null,
    };

    // Another handler moved the record while this one reserved; align the stock with whatever it decided.
    private async Task<OrderReservation?> SettleLostRaceAsync(OrderReservation mine, bool publish, CancellationToken cancellationToken)
    {
        var (current, _) = await records.GetAsync(mine.OrderId, cancellationToken);
        switch (current?.Status)
        {
            case ReservationStatus.Reserved:
                // Another delivery of this order reserved it. If this one gave stock back meanwhile (its all-or-nothing
                // clean-up releases by order id, so it released the other's holds too), take it again: the record says
                // Reserved and the order will be committed against it.
                if (mine.Status == ReservationStatus.Failed)
                {
                    await RestoreHoldsAsync(current, cancellationToken);
                }
                if (publish)
                {
                    await PublishOutcomeAsync(current, cancellationToken);
                }
                break;
            case ReservationStatus.Failed or ReservationStatus.Released:
                await ReleaseLinesAsync(mine, cancellationToken);
                if (publish && current.Status == ReservationStatus.Failed)
                {
                    await PublishOutcomeAsync(current, cancellationToken);
                }
                break;
            case ReservationStatus.Committed:
                break;
            default:
                throw new ConcurrencyConflictException($"The reservation record of order {mine.OrderId} changed underneath its reservation.");
        }
        return current;
    }

    private async Task RestoreHoldsAsync(OrderReservation record, CancellationToken cancellationToken)
    {
        foreach (var line in record.Lines)
        {
            var outcome = await ledger.ReserveAsync(line.ProductId, record.OrderId, record.UserId, line.Quantity, record.ExpiresAt, cancellationToken);
            if (FailureReason(outcome) is { } reason)
            {
                // Someone else took the unit in between: the record promises stock nobody holds. Loud, so an operator
                // sees it before the order's commit finds nothing to sell.
                logger.LogError("Order {OrderId} is Reserved but its hold of {ProductId} could not be restored ({Reason})", record.OrderId, line.ProductId, reason);
            }
        }
    }

    private async Task ReleaseLinesAsync(OrderReservation record, CancellationToken cancellationToken)
    {
        foreach (var line in record.Lines)
        {
            await ledger.ReleaseAsync(line.ProductId, record.OrderId, cancellationToken);
        }
    }

    // The record's outcome; a publish the broker refuses is handed to the durable retry instead of failing the delivery.
    private async Task PublishOutcomeAsync(OrderReservation record, CancellationToken cancellationToken)
    {
        if (OutcomeOf(record) is not { } outcome)
        {
            return;
        }
        try
        {
            await PublishAsync(outcome, cancellationToken);
        }
        catch (DaprException ex) when (IsOutage(ex))
        {
            await outcomeRetries.ScheduleAsync(record.OrderId, cancellationToken);
            logger.LogWarning(ex, "Order {OrderId}: {EventType} could not be published; it is stored and a durable retry publishes it", record.OrderId, outcome.Type);
        }
    }

    /// <summary>
    /// Publishes the outcome stored on the order's reservation record (the durable retry of a refused publish);
    /// nothing when there is no record or it announces nothing. Throws while the broker still refuses.
    /// </summary>
    public async Task PublishStoredOutcomeAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var (record, _) = await records.GetAsync(orderId, cancellationToken);
        if (record is not null && OutcomeOf(record) is { } outcome)
        {
            await PublishAsync(outcome, cancellationToken);
        }
    }

    // What a record announces: the reservation's outcome, or that its stock went back. Deterministic ids per order.
    private InventoryEvent? OutcomeOf(OrderReservation record) => record.Status switch
    {
        ReservationStatus.Reserved => new StockReserved(record.OrderId, record.UserId ?? "", record.Amount, record.ExpiresAt, time.GetUtcNow()),
        ReservationStatus.Failed => new StockReservationFailed(record.OrderId, record.FailedProductId ?? "", record.FailureReason ?? OutOfStockReason, time.GetUtcNow()),
        ReservationStatus.Released when record.Lines.Count > 0 => new StockReleased(record.OrderId, record.ReleaseReason ?? "OrderCancelled", time.GetUtcNow()),
        _ => null,
    };

    // The broker (or the sidecar in front of it) is out; a refusal that names a defect (bad request, scopes) is not.
    private static bool IsOutage(DaprException ex) =>
        ex.InnerException is not RpcException { StatusCode: StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.Unimplemented };

    // Keyed by order, so an ordered broker (Kafka) keeps one order's outcomes in order.
    private Task PublishAsync(InventoryEvent @event, CancellationToken cancellationToken) =>
        events.PublishAsync(@event, @event.OrderId.ToString(), cancellationToken);

    private bool TryStart(OrderSubmitted order, [NotNullWhen(true)] out OrderReservation? record)
    {
        var now = time.GetUtcNow();
        var expiresAt = order.ReservationExpiresAt == default ? now + options.CurrentValue.ReservationTimeout : order.ReservationExpiresAt;
        try
        {
            record = OrderReservation.Start(order.OrderId, order.UserId, order.Total,
                (order.Lines ?? []).Select(l => new ReservationLine(l.ProductId, l.Quantity)), expiresAt, now);
            return true;
        }
        catch (InventoryDomainException ex)
        {
            logger.LogWarning("Order {OrderId} cannot be reserved: {Reason}", order.OrderId, ex.Message);
            record = null;
            return false;
        }
    }
}
