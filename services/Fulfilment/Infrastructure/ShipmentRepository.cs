using Dapr.Client;
using Flipkart.Fulfilment.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.Infrastructure;

/// <summary>Shipments in <c>fulfilment-store</c>, one key per order, changed only by compare-and-swap on the ETag.</summary>
public sealed class ShipmentRepository(DaprClient dapr)
{
    private readonly DaprState<Shipment> shipments = new(dapr, DaprComponents.FulfilmentStore);

    public static string Key(Guid orderId) => $"shipment-{orderId:N}";

    public Task<Shipment?> GetAsync(Guid orderId, CancellationToken cancellationToken) => shipments.GetAsync(Key(orderId), cancellationToken);

    /// <summary>Creates the shipment; false when the order already has one (a duplicate OrderConfirmed, or a cancel that came first).</summary>
    public Task<bool> TryCreateAsync(Shipment shipment, CancellationToken cancellationToken) =>
        shipments.TryCreateAsync(Key(shipment.OrderId), shipment, cancellationToken);

    /// <inheritdoc cref="DaprState{T}.UpdateAsync{TResult}(string, Func{T, ValueTuple{TResult, T}}, ConcurrencyRetry, CancellationToken, TimeSpan?)"/>
    public Task<TResult> UpdateAsync<TResult>(Guid orderId, Func<Shipment?, (TResult Result, Shipment? Write)> decide, ConcurrencyRetry retry, CancellationToken cancellationToken) =>
        shipments.UpdateAsync(Key(orderId), decide, retry, cancellationToken);
}
