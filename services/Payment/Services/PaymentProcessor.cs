using Flipkart.Payment.Domain;
using Flipkart.Payment.Infrastructure;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Payment.Services;

/// <summary>
/// Charges an order once and refunds it at most once, whatever the delivery order or duplication of the saga
/// events. The payment record of an order is created first-write, so of two concurrent deliveries (or a charge
/// racing a cancellation) exactly one decision is stored and exactly one event published.
/// </summary>
public sealed class PaymentProcessor(
    IPaymentRepository payments,
    IPaymentProvider provider,
    TimeProvider time,
    IOptionsMonitor<PaymentOptions> options,
    ILogger<PaymentProcessor> logger) : IIntegrationEventHandler<StockReserved>, IIntegrationEventHandler<OrderCancelled>
{
    private readonly ConcurrencyRetry concurrencyRetry = ConcurrencyRetry.Attempts(options.CurrentValue.ConcurrencyRetries);

    Task IIntegrationEventHandler<StockReserved>.HandleAsync(StockReserved @event, CancellationToken cancellationToken) => ChargeAsync(@event, cancellationToken);

    Task IIntegrationEventHandler<OrderCancelled>.HandleAsync(OrderCancelled @event, CancellationToken cancellationToken) =>
        HandleOrderCancelledAsync(@event, cancellationToken);

    public async Task<OrderPayment?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        (await payments.GetAsync(orderId, cancellationToken)).Payment;

    /// <summary>Stock is reserved: charge the order unless a decision (charge, decline, void) already exists.</summary>
    public Task ChargeAsync(StockReserved @event, CancellationToken cancellationToken) =>
        concurrencyRetry.ExecuteAsync(async token =>
        {
            var (existing, _) = await payments.GetAsync(@event.OrderId, token);
            if (existing is not null)
            {
                logger.LogInformation("Order {OrderId} already has a {Status} payment; not charging again", @event.OrderId, existing.Status);
                return;
            }

            var result = await provider.ChargeAsync(@event.OrderId, @event.UserId, @event.Amount, token);
            var now = time.GetUtcNow();
            OrderPayment record;
            IntegrationEvent outcome;
            if (result.Succeeded)
            {
                record = OrderPayment.Charged(@event.OrderId, @event.UserId, @event.Amount, result.PaymentId, now);
                outcome = new PaymentSucceeded(EventId(@event.OrderId, nameof(PaymentSucceeded)), now, @event.OrderId, result.PaymentId, @event.Amount);
            }
            else
            {
                var reason = result.DeclineReason ?? "Declined";
                record = OrderPayment.Declined(@event.OrderId, @event.UserId, @event.Amount, reason, now);
                outcome = new PaymentFailed(EventId(@event.OrderId, nameof(PaymentFailed)), now, @event.OrderId, reason);
            }

            if (await payments.TrySaveAsync(record, etag: "", outcome, token))
            {
                logger.LogInformation("Order {OrderId}: payment {Status} for {Amount}", @event.OrderId, record.Status, @event.Amount);
                return;
            }

            // Someone decided first: a concurrent duplicate (its charge is the same provider charge, by idempotency
            // key) or the order's cancellation, in which case the provider must release what it just took.
            var (winner, _) = await payments.GetAsync(@event.OrderId, token);
            if (winner is null)
            {
                throw new ConcurrencyConflictException($"Payment of order {@event.OrderId} could not be stored.");
            }
            if (winner.Status == PaymentStatus.Voided && result.Succeeded)
            {
                await provider.VoidAsync(@event.OrderId, result.PaymentId, token);
            }
        }, cancellationToken);

    /// <summary>The order is cancelled: refund a charge once, or void the order so a late StockReserved never charges.</summary>
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
            if (!existing.NeedsRefund)
            {
                return; // declined, voided or already refunded
            }

            await RefundChargeAsync(existing, etag, @event.UserId, token);
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
                return existing.Refunds[^1];
            }
            if (existing is null || !existing.NeedsRefund)
            {
                throw new NothingToRefundException(orderId, existing?.Status);
            }

            await RefundChargeAsync(existing, etag, userId: null, token);
            return existing.Refunds[^1];
        }, cancellationToken);

    // Refunds the charge at the provider (idempotent there by order id), then stores the refund with its
    // PaymentRefunded in one outbox transaction; a lost race throws so the caller's retry starts from a fresh read.
    private async Task RefundChargeAsync(OrderPayment charged, string etag, string? userId, CancellationToken cancellationToken)
    {
        var refundId = await provider.RefundAsync(charged.OrderId, charged.PaymentId!, charged.Amount, cancellationToken);
        var now = time.GetUtcNow();
        charged.Refund(refundId, now);
        var refunded = new PaymentRefunded(
            EventId(charged.OrderId, nameof(PaymentRefunded)), now, charged.OrderId, charged.PaymentId!, charged.Amount, charged.UserId ?? userId);
        if (!await payments.TrySaveAsync(charged, etag, refunded, cancellationToken))
        {
            throw new ConcurrencyConflictException($"Payment of order {charged.OrderId} changed while refunding it.");
        }
        logger.LogInformation("Order {OrderId}: refunded {Amount}", charged.OrderId, charged.Amount);
    }

    // The one event of each kind an order's payment emits: a retried or duplicated delivery repeats its id.
    private static Guid EventId(Guid orderId, string eventType) => IntegrationEvent.DeterministicId(AppIds.Payment, orderId, eventType);
}

/// <summary>A return refund for an order that has no charge left to refund (never charged, declined or voided): 409.</summary>
public sealed class NothingToRefundException(Guid orderId, PaymentStatus? status)
    : ConflictException("Nothing to refund", $"Order {orderId} has no charge to refund ({status?.ToString() ?? "no payment"}).");
