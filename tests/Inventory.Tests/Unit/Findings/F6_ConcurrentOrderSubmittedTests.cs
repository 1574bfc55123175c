using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inventory.Tests.Unit.Findings;

/// <summary>
/// Finding F6 (issue 13): two deliveries of one OrderSubmitted run at once (at-least-once delivery: a redelivery while
/// the first is still working, two replicas) while another order's hold is released. The delivery that found a line out
/// of stock gives back "whatever this order holds" by order id — including the holds the other delivery just took and
/// recorded as Reserved. The record ends Reserved with no stock held, and the later commit's <c>false</c> is ignored:
/// the order is sold without a unit leaving the shelf.
/// </summary>
public sealed class F6_ConcurrentOrderSubmittedTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task F6_Two_deliveries_of_one_order_straddling_a_release_leave_its_units_held_or_sold()
    {
        var ledger = new PausingLedger(new InMemoryLedger());
        var records = new InMemoryRecords();
        var coordinator = new ReservationCoordinator(ledger, records, new RecordingPublisher(), new FakeOrderOutcomes(), new RecordingOutcomeRetries(), new FakeTime(Start), TestOptions.Inventory(), NullLogger<ReservationCoordinator>.Instance);
        await ledger.SetAvailableAsync("phone", 5, null, Ct);
        await ledger.SetAvailableAsync("charger", 1, null, Ct);
        var other = Guid.NewGuid();
        Assert.Equal(ReserveOutcome.Reserved, await ledger.ReserveAsync("charger", other, "someone", 1, Start.AddMinutes(10), Ct));
        var orderId = Guid.NewGuid();
        var order = new OrderSubmitted(Guid.NewGuid(), Start, orderId, "user-1", [new OrderLine("phone", 1), new OrderLine("charger", 1)], 500m, Start.AddMinutes(10));

        // Delivery A finds the charger taken and starts giving back the order's holds; it pauses there.
        ledger.PauseFirstReleaseOf(orderId);
        var first = coordinator.ReserveAsync(order, Ct);
        await ledger.Paused.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // The other order's charger is released, and delivery B of the same OrderSubmitted reserves both lines.
        await ledger.ReleaseAsync("charger", other, Ct);
        await coordinator.ReserveAsync(order, Ct);
        ledger.Resume();
        await first;
        await coordinator.CommitAsync(orderId, Ct); // ordering confirmed it: the order is Reserved

        var phone = await ledger.GetAsync("phone", Ct);
        var charger = await ledger.GetAsync("charger", Ct);
        Assert.True(phone!.Reserved + phone.Sold == 1 && charger!.Reserved + charger.Sold == 1,
            $"order {orderId} ended {records.Find(orderId)?.Status} and was committed, yet phone holds {phone.Reserved} and sold {phone.Sold} " +
            $"(available {phone.Available}), charger holds {charger!.Reserved} and sold {charger.Sold} (available {charger.Available})");
    }

    /// <summary>Delegates to a ledger, but can hold the first release of one order until told to go on.</summary>
    private sealed class PausingLedger(IStockLedger inner) : IStockLedger
    {
        private readonly TaskCompletionSource paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Guid? pauseFor;

        public Task Paused => paused.Task;

        public void PauseFirstReleaseOf(Guid orderId) => pauseFor = orderId;

        public void Resume() => resume.TrySetResult();

        public Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            inner.ReserveAsync(productId, orderId, userId, quantity, expiresAt, cancellationToken);

        public async Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken)
        {
            if (pauseFor == orderId)
            {
                pauseFor = null;
                paused.TrySetResult();
                await resume.Task;
            }
            return await inner.ReleaseAsync(productId, orderId, cancellationToken);
        }

        public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) => inner.CommitAsync(productId, orderId, cancellationToken);

        public Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
            inner.RestockAsync(productId, orderId, userId, quantity, cancellationToken);

        public Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken) => inner.GetAsync(productId, cancellationToken);

        public Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken) => inner.GetAvailabilityAsync(productId, cancellationToken);

        public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken) =>
            inner.SetAvailableAsync(productId, available, perUserLimit, cancellationToken);
    }
}
