using Flipkart.Payment.Domain;
using Flipkart.Payment.Infrastructure;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Payment.Services;

/// <summary>
/// Charges an order once and refunds it at most once, whatever the delivery order or duplication of the saga
/// events. The payment record of an order is created first-write as the intent to charge, and its outcome replaces
/// it by compare-and-swap, so of two concurrent deliveries (or a charge racing a cancellation) exactly one decision
/// is stored and exactly one event published, and a charge whose outcome was lost is never forgotten.
/// </summary>
public sealed class PaymentProcessor(
    IPaymentRepository payments,
    IPaymentProvider provider,
    TimeProvider time,
    IOptionsMonitor<PaymentOptions> options,
    ILogger<PaymentProcessor> logger) : IIntegrationEventHandler<StockReserved>, IIntegrationEventHandler<OrderCancelled>
{
    private static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(5);

    private readonly ConcurrencyRetry concurrencyRetry = ConcurrencyRetry.Attempts(options.CurrentValue.ConcurrencyRetries);

    Task IIntegrationEventHandler<StockReserved>.HandleAsync(StockReserved @event, CancellationToken cancellationToken) => ChargeAsync(@event, cancellationToken);

    Task IIntegrationEventHandler<OrderCancelled>.HandleAsync(OrderCancelled @event, CancellationToken cancellationToken) =>
        HandleOrderCancelledAsync(@event, cancellationToken);

    public async Task<OrderPayment?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        (await payments.GetAsync(orderId, cancellationToken)).Payment;

    /// <summary>
    /// Stock is reserved: charge the order unless a decision (charge, decline, void) already exists. The intent is
    /// recorded before the provider is called, so a charge whose outcome cannot be recorded (a failed commit, a crash)
    /// is still known: the redelivery finishes it, or the order's cancellation voids it.
    /// </summary>
    public async Task ChargeAsync(StockReserved @event, CancellationToken cancellationToken)
    {
        var delivery = Guid.NewGuid();
        var settings = options.CurrentValue;
        await concurrencyRetry.ExecuteAsync(async token =>
        {
            var (existing, etag) = await payments.GetAsync(@event.OrderId, token);
            if (existing is null)
            {
                // Created only if absent; either way what follows works from the stored record and its ETag.
                await payments.TrySaveAsync(OrderPayment.Intent(@event.OrderId, @event.UserId, @event.Amount, delivery, time.GetUtcNow()), etag: "", @event: null, token);
                (existing, etag) = await payments.GetAsync(@event.OrderId, token);
                if (existing is null)
                {
                    throw new ConcurrencyConflictException($"Payment of order {@event.OrderId}: the intent to charge was not stored.");
                }
            }
            if (existing.Status != PaymentStatus.Charging)
            {
                logger.LogInformation("Order {OrderId} already has a {Status} payment; not charging again", @event.OrderId, existing.Status);
                await EnsureAnnouncedAsync(existing, token);
                return;
            }
            if (!existing.MayCharge(delivery, time.GetUtcNow(), settings.ChargeLease))
            {
                // Another delivery of this order is charging: one writer per outcome, so wait for its result (a
                // racing second commit would, on a store without rollback, publish its event although it lost).
                await WaitForOutcomeAsync(@event.OrderId, token);
                return;
            }
            if (existing.ChargingBy != delivery)
            {
                existing.TakeOver(delivery, time.GetUtcNow());
                if (!await payments.TrySaveAsync(existing, etag, @event: null, token))
                {
                    throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} changed while taking its charge over.");
                }
                (existing, etag) = await payments.GetAsync(@event.OrderId, token);
                if (existing?.ChargingBy != delivery)
                {
                    throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} changed while taking its charge over.");
                }
            }

            // The provider's idempotency key is the order: a repeated call (a redelivery, a duplicate) is the same charge.
            var result = await provider.ChargeAsync(@event.OrderId, @event.UserId, @event.Amount, token);
            var now = time.GetUtcNow();
            var record = result.Succeeded
                ? OrderPayment.Charged(@event.OrderId, @event.UserId, @event.Amount, result.PaymentId, now)
                : OrderPayment.Declined(@event.OrderId, @event.UserId, @event.Amount, result.DeclineReason ?? "Declined", now);

            if (await payments.TrySaveAsync(record, etag, AnnouncedEvent(record), token))
            {
                logger.LogInformation("Order {OrderId}: payment {Status} for {Amount}", @event.OrderId, record.Status, @event.Amount);
                return;
            }

            // Someone decided first: a concurrent duplicate (its charge is the same provider charge, by idempotency
            // key) or the order's cancellation, in which case the provider must release what it just took.
            var (winner, _) = await payments.GetAsync(@event.OrderId, token);
            if (winner is null || winner.Status == PaymentStatus.Charging)
            {
                throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} could not be stored.");
            }
            if (winner.Status == PaymentStatus.Voided && result.Succeeded)
            {
                await provider.VoidAsync(@event.OrderId, result.PaymentId, token);
            }
        }, cancellationToken);
    }

    // Polls until the charge in progress elsewhere has an outcome (a provider call and a commit: well under a second);
    // a few seconds without one and this delivery fails, so the broker redelivers it later.
    private async Task WaitForOutcomeAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < OutcomeWait)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            var (current, _) = await payments.GetAsync(orderId, cancellationToken);
            if (current is not null && current.Status != PaymentStatus.Charging)
            {
                return;
            }
        }
        throw new ConcurrencyConflictException($"The charge of order {orderId} in progress elsewhere has no outcome yet.");
    }

    /// <summary>
    /// The order is cancelled: refund a charge once; void a charge whose outcome was never recorded; or void the order
    /// so a late StockReserved never charges.
    /// </summary>
    public Task HandleOrderCancelledAsync(OrderCancelled @event, CancellationToken cancellationToken) =>
        concurrencyRetry.ExecuteAsync(async token =>
        {
            var (existing, etag) = await payments.GetAsync(@event.OrderId, token);
            var now = time.GetUtcNow();
            if (existing is null)
            {
                if (!await payments.TrySaveAsync(OrderPayment.Voided(@event.OrderId, @event.UserId, now), etag: "", @event: null, token))
                {
                    throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} appeared while voiding it.");
                }
                logger.LogInformation("Order {OrderId} cancelled before any charge; voided", @event.OrderId);
                return;
            }
            if (existing.Status == PaymentStatus.Charging)
            {
                // Voided first, then the provider: a charge that commits meanwhile wins the record and is refunded on
                // the retry instead; one that lands at the provider after this void sees Voided and voids itself.
                existing.VoidIntent(now);
                if (!await payments.TrySaveAsync(existing, etag, @event: null, token))
                {
                    throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} changed while voiding it.");
                }
            }
            if (existing.NeedsVoid)
            {
                // Also reached on a redelivery after a crash between the record and the provider: void again (idempotent).
                await provider.VoidAsync(@event.OrderId, paymentId: null, token);
                logger.LogWarning("Order {OrderId} cancelled while its charge was unrecorded; the provider's charge is voided", @event.OrderId);
                return;
            }
            if (!existing.NeedsRefund)
            {
                await EnsureAnnouncedAsync(existing, token); // declined, voided or already refunded
                return;
            }

            await RefundChargeAsync(existing, etag, token);
        }, cancellationToken);

    /// <summary>
    /// A returned order's refund (fulfilment asks once the return passed inspection): refunds the charge once, and
    /// answers a repeated request with the refund already made, so a retried workflow activity never pays twice.
    /// </summary>
    public Task<RefundEntry> RefundReturnAsync(Guid orderId, CancellationToken cancellationToken) =>
        concurrencyRetry.ExecuteAsync(async token =>
        {
            var (existing, etag) = await payments.GetAsync(orderId, token);
            if (existing?.Status == PaymentStatus.Refunded && existing.Refunds.Count > 0)
            {
                await EnsureAnnouncedAsync(existing, token);
                return existing.Refunds[^1];
            }
            if (existing is null || !existing.NeedsRefund)
            {
                throw new NothingToRefundException(orderId, existing?.Status);
            }

            await RefundChargeAsync(existing, etag, token);
            return existing.Refunds[^1];
        }, cancellationToken);

    // Refunds the charge at the provider (idempotent there by order id), then stores the refund by compare-and-swap
    // and, for the winner only, publishes its PaymentRefunded; a lost race throws so the caller's retry starts afresh.
    private async Task RefundChargeAsync(OrderPayment charged, string etag, CancellationToken cancellationToken)
    {
        var refundId = await provider.RefundAsync(charged.OrderId, charged.PaymentId!, charged.Amount, cancellationToken);
        charged.Refund(refundId, time.GetUtcNow());
        if (!await payments.TrySaveAsync(charged, etag, AnnouncedEvent(charged), cancellationToken))
        {
            throw new ConcurrencyConflictException($"Payment of order {charged.OrderId} changed while refunding it.");
        }
        logger.LogInformation("Order {OrderId}: refunded {Amount}", charged.OrderId, charged.Amount);
    }

    /// <summary>
    /// The event the record's current state announces, rebuilt from the record alone (same id, same content, the time
    /// of its last change), so an event lost between the record's save and its publish is re-emitted on the next touch.
    /// </summary>
    public static IntegrationEvent? AnnouncedEvent(OrderPayment payment) => payment.Status switch
    {
        PaymentStatus.Charged => new PaymentSucceeded(
            EventId(payment.OrderId, nameof(PaymentSucceeded)), payment.UpdatedAt, payment.OrderId, payment.PaymentId!, payment.Amount),
        PaymentStatus.Declined => new PaymentFailed(
            EventId(payment.OrderId, nameof(PaymentFailed)), payment.UpdatedAt, payment.OrderId, payment.DeclineReason ?? "Declined"),
        PaymentStatus.Refunded => new PaymentRefunded(
            EventId(payment.OrderId, nameof(PaymentRefunded)), payment.UpdatedAt, payment.OrderId, payment.PaymentId!, payment.Amount, payment.UserId),
        _ => null, // a charge in progress or a void announces nothing
    };

    private async Task EnsureAnnouncedAsync(OrderPayment payment, CancellationToken cancellationToken)
    {
        if (AnnouncedEvent(payment) is { } @event && await payments.EnsurePublishedAsync(payment.OrderId, @event, cancellationToken))
        {
            logger.LogWarning("Order {OrderId}: {EventType} had not been published after its {Status} commit; re-emitted", payment.OrderId, @event.Type, payment.Status);
        }
    }

    // The one event of each kind an order's payment emits: a retried or duplicated delivery repeats its id.
    private static Guid EventId(Guid orderId, string eventType) => IntegrationEvent.DeterministicId(AppIds.Payment, orderId, eventType);
}

/// <summary>A return refund for an order that has no charge left to refund (never charged, declined or voided): 409.</summary>
public sealed class NothingToRefundException(Guid orderId, PaymentStatus? status)
    : ConflictException("Nothing to refund", $"Order {orderId} has no charge to refund ({status?.ToString() ?? "no payment"}).");
