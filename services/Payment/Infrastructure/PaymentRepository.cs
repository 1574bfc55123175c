using Dapr.Client;
using Flipkart.Payment.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Payment.Infrastructure;

/// <summary>
/// Payment records in <c>payment-store</c>, one key per order. Every change is a single-key compare-and-swap; a change
/// that emits an event then publishes it through the outbox under a key of its own (<see cref="DaprState{T}.TryCommitAsync"/>),
/// so only the winner of the swap publishes, on every store (a Redis transaction has no rollback).
/// </summary>
public interface IPaymentRepository
{
    Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates (empty ETag) or updates the record, then publishes its event if any. False when someone else wrote first
    /// (nothing published); a failure after the save throws with the record saved (<see cref="EnsurePublishedAsync"/>).
    /// </summary>
    Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken);

    /// <summary>Publishes the record's <paramref name="event"/> unless it already was; true when it had not been.</summary>
    Task<bool> EnsurePublishedAsync(Guid orderId, IntegrationEvent @event, CancellationToken cancellationToken);
}

public sealed class PaymentRepository(DaprClient dapr) : IPaymentRepository
{
    private readonly DaprState<OrderPayment> payments = new(dapr, DaprComponents.PaymentStore);

    public static string Key(Guid orderId) => $"payment-{orderId:N}";

    public Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        payments.GetWithETagAsync(Key(orderId), cancellationToken);

    public Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken) =>
        payments.TryCommitAsync(Key(payment.OrderId), payment, etag, @event, cancellationToken);

    public Task<bool> EnsurePublishedAsync(Guid orderId, IntegrationEvent @event, CancellationToken cancellationToken) =>
        payments.EnsurePublishedAsync(Key(orderId), @event, cancellationToken);
}
