using Dapr;
using Dapr.Client;
using Flipkart.Payment.Domain;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Infrastructure;

/// <summary>An ETag check failed: someone else changed the record since we read it. Retried by the caller.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);

/// <summary>
/// Payment records in <c>payment-store</c>, one key per order. A change that emits an event is written with the event
/// in one state transaction on the outbox-enabled store (the event rides as an <c>outbox.projection</c> of the same key,
/// with the event name as the CloudEvent type); a change without one is a plain single-key save, which the outbox
/// does not publish.
/// </summary>
public interface IPaymentRepository
{
    Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>Creates (empty ETag) or updates the record, with its event if any. False when someone else wrote first.</summary>
    Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken);
}

public sealed class PaymentRepository(DaprClient dapr) : IPaymentRepository
{
    private const string Store = DaprComponents.PaymentStore;
    // First-write: without an ETag a write only creates; with one it must match (Redis ignores ETags under last-write).
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public static string Key(Guid orderId) => $"payment-{orderId:N}";

    public async Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var (payment, etag) = await dapr.GetStateAndETagAsync<OrderPayment?>(Store, Key(orderId), cancellationToken: cancellationToken);
        return (payment, etag);
    }

    public async Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken)
    {
        var key = Key(payment.OrderId);
        if (@event is null)
        {
            if (!string.IsNullOrEmpty(etag))
            {
                return await dapr.TrySaveStateAsync(Store, key, payment, etag, FirstWrite, cancellationToken: cancellationToken);
            }
            try
            {
                await dapr.SaveStateAsync(Store, key, payment, FirstWrite, cancellationToken: cancellationToken);
                return true;
            }
            catch (DaprException)
            {
                return false;
            }
        }

        return await DaprOutbox.TryCommitAsync(dapr, Store, key, payment, etag, @event, cancellationToken);
    }
}
