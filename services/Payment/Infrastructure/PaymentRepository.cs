using Dapr.Client;
using Flipkart.Payment.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Infrastructure;

/// <summary>
/// Payment records in <c>payment-store</c>, one key per order. A change that emits an event is written with the event
/// in one outbox transaction; a change without one is a plain single-key save, which the outbox does not publish.
/// </summary>
public interface IPaymentRepository
{
    Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>Creates (empty ETag) or updates the record, with its event if any. False when someone else wrote first.</summary>
    Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken);
}

public sealed class PaymentRepository(DaprClient dapr) : IPaymentRepository
{
    private readonly DaprState<OrderPayment> payments = new(dapr, DaprComponents.PaymentStore);

    public static string Key(Guid orderId) => $"payment-{orderId:N}";

    public Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        payments.GetWithETagAsync(Key(orderId), cancellationToken);

    public Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken) =>
        payments.TryCommitAsync(Key(payment.OrderId), payment, etag, @event, cancellationToken);
}
