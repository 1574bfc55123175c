using Flipkart.ServiceDefaults;
using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Flipkart.Testing;

namespace Inventory.Tests.Unit;

[Unit]
public class ReservationCoordinatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly InMemoryLedger ledger = new();
    private readonly InMemoryRecords records = new();
    private readonly RecordingPublisher events = new();
    private readonly FakeOrderOutcomes ordering = new();
    private readonly FakeTime time = new(Start);
    private readonly RecordingOutcomeRetries retries = new();
    private readonly ReservationCoordinator coordinator;

    public ReservationCoordinatorTests()
    {
        coordinator = new ReservationCoordinator(ledger, records, events, ordering, retries, time, TestOptions.Inventory(), NullLogger<ReservationCoordinator>.Instance);
    }

    private static OrderSubmitted Order(Guid orderId, params (string Product, int Quantity)[] lines) =>
        new(Guid.NewGuid(), Start, orderId, "user-1", [.. lines.Select(l => new OrderLine(l.Product, l.Quantity))], 500m, Start.AddMinutes(10));

    private async Task Stock(string productId, int available)
    {
        await ledger.SetAvailableAsync(productId, available, Ct);
        await records.AddProductIdAsync(productId, Ct);
    }

    [Fact]
    public async Task ReserveAsync_ReservesEveryLineAndPublishesStockReserved_WhenAllInStock()
    {
        await Stock("a", 5);
        await Stock("b", 5);
        var orderId = Guid.NewGuid();

        await coordinator.ReserveAsync(Order(orderId, ("a", 2), ("b", 1)), Ct);

        Assert.Equal((3, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Equal((4, 1), (ledger.Get("b").Available, ledger.Get("b").Reserved));
        var reserved = Assert.Single(events.OfType<StockReserved>());
        Assert.Equal((orderId, "user-1", 500m, Start.AddMinutes(10)), (reserved.OrderId, reserved.UserId, reserved.Amount, reserved.ExpiresAt));
        Assert.Equal(ReservationStatus.Reserved, records.Find(orderId)!.Status);
    }

    [Fact]
    public async Task ReserveAsync_HoldsNothing_WhenOneLineIsOutOfStock()
    {
        await Stock("a", 5);
        await Stock("b", 1);
        var orderId = Guid.NewGuid();

        await coordinator.ReserveAsync(Order(orderId, ("a", 2), ("b", 2)), Ct);

        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Equal((1, 0), (ledger.Get("b").Available, ledger.Get("b").Reserved));
        var failed = Assert.Single(events.OfType<StockReservationFailed>());
        Assert.Equal(("b", ReservationCoordinator.OutOfStockReason), (failed.ProductId, failed.Reason));
        Assert.Empty(events.OfType<StockReserved>());
    }

    [Fact]
    public async Task ReserveAsync_FailsWithUnknownProduct_WhenProductHasNoStockRecord()
    {
        await Stock("a", 5);
        await coordinator.ReserveAsync(Order(Guid.NewGuid(), ("a", 1), ("ghost", 1)), Ct);

        var failed = Assert.Single(events.OfType<StockReservationFailed>());
        Assert.Equal(("ghost", ReservationCoordinator.UnknownProductReason), (failed.ProductId, failed.Reason));
        Assert.Equal(5, ledger.Get("a").Available);
    }

    [Fact]
    public async Task ReserveAsync_MergesRepeatedProductLines()
    {
        await Stock("a", 3);
        await coordinator.ReserveAsync(Order(Guid.NewGuid(), ("a", 2), ("a", 2)), Ct);

        Assert.Single(events.OfType<StockReservationFailed>());
        Assert.Equal(3, ledger.Get("a").Available);
    }

    [Fact]
    public async Task ReserveAsync_ReservesOnceAndRepeatsOutcome_WhenDeliveredTwice()
    {
        await Stock("a", 5);
        var order = Order(Guid.NewGuid(), ("a", 2));

        await coordinator.ReserveAsync(order, Ct);
        await coordinator.ReserveAsync(order, Ct);

        Assert.Equal((3, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        var published = events.OfType<StockReserved>();
        Assert.Equal(2, published.Count);
        Assert.Equal(published[0].EventId, published[1].EventId);
    }

    [Fact]
    public async Task ReserveAsync_ReservesNothing_WhenCancellationArrivedFirst()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();

        await coordinator.ReleaseAsync(orderId, "CancelledByUser", Ct);
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        Assert.Equal(5, ledger.Get("a").Available);
        Assert.Empty(events.Published);
    }

    [Fact]
    public async Task ReserveAsync_GivesStockBack_WhenCancelledWhileReserving()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        // The order record already exists (Reserving); a cancellation moves it just before this handler's final save.
        await records.TrySaveAsync(OrderReservation.Start(orderId, "user-1", 1m, [new ReservationLine("a", 2)], Start.AddMinutes(10), Start), "", Ct);
        records.BeforeNextSave = () => coordinator.ReleaseAsync(orderId, "CancelledByUser", Ct);

        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        Assert.Equal(ReservationStatus.Released, records.Find(orderId)!.Status);
        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Empty(events.OfType<StockReserved>());
    }

    [Fact]
    public async Task ReleaseAsync_ReturnsStockOnceAndPublishesStockReleased()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        await coordinator.ReleaseAsync(orderId, "PaymentFailed", Ct);
        await coordinator.ReleaseAsync(orderId, "PaymentFailed", Ct);

        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.All(events.OfType<StockReleased>(), e => Assert.Equal("PaymentFailed", e.Reason));
        Assert.Single(events.OfType<StockReleased>().DistinctBy(e => e.EventId));
    }

    [Fact]
    public async Task CommitAsync_SellsReservedUnitsOnce()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        await coordinator.CommitAsync(orderId, Ct);
        await coordinator.CommitAsync(orderId, Ct);

        var a = ledger.Get("a");
        Assert.Equal((3, 0, 2), (a.Available, a.Reserved, a.Sold));
        Assert.True(a.IsConserved);
    }

    [Fact]
    public async Task ReleaseAsync_RestocksASoldOrder_ForOnlyACancelAfterConfirmationCancelsOne()
    {
        // Ordering cancels a confirmed order only when fulfilment stopped the parcel before hand-over: the units
        // it sold are back in the warehouse. No StockReleased: nothing was held.
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        await coordinator.CommitAsync(orderId, Ct);

        await coordinator.ReleaseAsync(orderId, "CancelledByUser", Ct);

        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Sold));
        Assert.Empty(events.OfType<StockReleased>());
    }

    [Fact]
    public async Task HoldAsync_ReservesWithoutPublishing_AndTheCommittedOrdersSubmitAnnouncesItOnce()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();

        var held = await coordinator.HoldAsync(Order(orderId, ("a", 2)), Ct);
        var again = await coordinator.HoldAsync(Order(orderId, ("a", 2)), Ct);   // ordering's retry

        Assert.Equal((ReservationStatus.Reserved, ReservationStatus.Reserved), (held!.Status, again!.Status));
        Assert.Equal((3, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Empty(events.Published);

        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);   // the committed order's OrderSubmitted
        Assert.Equal(orderId, Assert.Single(events.OfType<StockReserved>()).OrderId);
        Assert.Equal((3, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved));
    }

    [Fact]
    public async Task HoldAsync_RefusesWithTheReason_HoldingAndPublishingNothing()
    {
        await Stock("a", 1);
        var orderId = Guid.NewGuid();

        var refused = await coordinator.HoldAsync(Order(orderId, ("a", 2)), Ct);

        Assert.Equal((ReservationStatus.Failed, ReservationCoordinator.OutOfStockReason, "a"), (refused!.Status, refused.FailureReason, refused.FailedProductId));
        Assert.Equal((1, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Empty(events.Published);
    }

    [Fact]
    public async Task HoldAsync_WhoseOrderWasNeverCommitted_IsReleasedByTheSweep()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.HoldAsync(Order(orderId, ("a", 2)), Ct);
        ordering.Outcomes[orderId] = OrderOutcome.NotFound;   // ordering died between the hold and the commit

        time.Advance(TimeSpan.FromMinutes(13));   // past expiry and grace

        Assert.Equal(1, await coordinator.SweepAsync("a", Ct));
        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Equal(ReservationStatus.Released, records.Find(orderId)!.Status);
    }

    [Fact]
    public async Task SweepAsync_ReleasesOnlyHoldsPastExpiryPlusGrace()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        ordering.Outcomes[orderId] = OrderOutcome.Cancelled;   // its OrderCancelled was lost

        time.Advance(TimeSpan.FromMinutes(11));   // past expiry, inside the 2-minute grace: ordering's turn
        Assert.Equal(0, await coordinator.SweepAsync("a", Ct));
        Assert.Equal(2, ledger.Get("a").Reserved);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await coordinator.SweepAsync("a", Ct));
        Assert.Equal((5, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved));
        Assert.Equal(ReservationCoordinator.ExpiredReason, Assert.Single(events.OfType<StockReleased>()).Reason);
    }

    [Theory]
    [InlineData(OrderOutcome.Pending)]
    [InlineData(OrderOutcome.Unknown)]
    public async Task SweepAsync_KeepsALapsedHold_WhileOrderingHasNotDecidedOrCannotBeAsked(OrderOutcome outcome)
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        ordering.Outcomes[orderId] = outcome;

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await coordinator.SweepAsync("a", Ct));
        Assert.Equal((3, 2, 0), (ledger.Get("a").Available, ledger.Get("a").Reserved, ledger.Get("a").Sold));
        Assert.Equal(ReservationStatus.Reserved, records.Find(orderId)!.Status);
    }

    [Fact]
    public async Task SweepAsync_CommitsALapsedHold_WhenOrderingConfirmedTheOrder_AndTheLateConfirmationFindsItSold()
    {
        await Stock("a", 1);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 1)), Ct);
        ordering.Outcomes[orderId] = OrderOutcome.Confirmed;   // its OrderConfirmed is late (finding F3)

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await coordinator.SweepAsync("a", Ct));
        await coordinator.CommitAsync(orderId, Ct);   // the late OrderConfirmed

        Assert.Equal((0, 0, 1), (ledger.Get("a").Available, ledger.Get("a").Reserved, ledger.Get("a").Sold));
        Assert.Equal(ReservationStatus.Committed, records.Find(orderId)!.Status);
        Assert.Empty(events.OfType<StockReleased>());
    }

    [Fact]
    public async Task SweepAsync_NeverReleasesCommittedOrder()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        await coordinator.CommitAsync(orderId, Ct);

        time.Advance(TimeSpan.FromHours(1));
        await coordinator.SweepAsync("a", Ct);

        Assert.Equal((3, 0, 2), (ledger.Get("a").Available, ledger.Get("a").Reserved, ledger.Get("a").Sold));
    }

    [Fact]
    public async Task ConcurrentOrders_NeverOversellLastUnits()
    {
        await Stock("hot", 5);
        var orders = Enumerable.Range(0, 50).Select(_ => Order(Guid.NewGuid(), ("hot", 1))).ToList();

        await Task.WhenAll(orders.Select(o => Task.Run(() => coordinator.ReserveAsync(o, Ct))));

        Assert.Equal(5, events.OfType<StockReserved>().Count);
        Assert.Equal(45, events.OfType<StockReservationFailed>().Count);
        var hot = ledger.Get("hot");
        Assert.Equal((0, 5), (hot.Available, hot.Reserved));
        Assert.True(hot.IsConserved);
    }

    [Fact]
    public async Task RestockAsync_PutsASoldOrderBackOnTheShelfExactlyOnce_HoweverOftenItIsAsked()
    {
        await Stock("a", 5);
        await Stock("b", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2), ("b", 1)), Ct);
        await coordinator.CommitAsync(orderId, Ct);

        Assert.Equal(3, await coordinator.RestockAsync(orderId, "returned", Ct));
        Assert.Equal(3, await coordinator.RestockAsync(orderId, "returned", Ct));

        Assert.Equal(5, ledger.Get("a").Available);
        Assert.Equal(5, ledger.Get("b").Available);
        Assert.Equal(2, ledger.Get("a").Restocked);
        Assert.Equal(ReservationStatus.Restocked, records.Find(orderId)!.Status);
    }

    [Fact]
    public async Task RestockAsync_RefusesAnOrderThatWasNeverSold()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        Assert.Null(await coordinator.RestockAsync(orderId, "returned", Ct));
        Assert.Null(await coordinator.RestockAsync(Guid.NewGuid(), "returned", Ct));
        Assert.Equal(3, ledger.Get("a").Available);
    }

    [Fact]
    public async Task An_order_cancelled_after_confirmation_gets_its_sold_units_back_and_a_later_return_adds_nothing()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        await coordinator.CommitAsync(orderId, Ct);

        await ((IIntegrationEventHandler<OrderCancelled>)coordinator).HandleAsync(new OrderCancelled(Guid.NewGuid(), Start, orderId, "CancelledByUser"), Ct);
        await ((IIntegrationEventHandler<OrderCancelled>)coordinator).HandleAsync(new OrderCancelled(Guid.NewGuid(), Start, orderId, "CancelledByUser"), Ct);
        await coordinator.RestockAsync(orderId, "returned", Ct);

        Assert.Equal(5, ledger.Get("a").Available);
        Assert.Equal(0, ledger.Get("a").Sold);
        Assert.True(ledger.Get("a").IsConserved);
    }

    [Fact]
    public async Task RestockAsync_SellsAHoldLeftBehindByACrashBeforeRestocking()
    {
        // The record says Committed but the stock still holds the units (a crash between the two writes).
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        var (record, etag) = await records.GetAsync(orderId, Ct);
        record!.MarkCommitted(Start);
        await records.TrySaveAsync(record, etag, Ct);

        Assert.Equal(2, await coordinator.RestockAsync(orderId, "returned", Ct));

        var stock = ledger.Get("a");
        Assert.Equal(5, stock.Available);
        Assert.Equal(0, stock.Reserved);
        Assert.True(stock.IsConserved);
    }
    [Fact]
    public async Task ReserveAsync_Succeeds_AndArmsTheDurableRetry_WhenTheBrokerRefusesTheOutcome()
    {
        // Finding 13: a failed delivery trips the subscriber breaker and waits out the broker's redelivery (60 s on Redis).
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        events.BrokerDown = true;

        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);

        Assert.Equal(ReservationStatus.Reserved, (await records.GetAsync(orderId, Ct)).Record!.Status);
        Assert.Equal(orderId, Assert.Single(retries.Scheduled));
        Assert.Empty(events.Published);

        // The retry publishes the outcome stored on the record; it keeps failing while the broker does.
        await Assert.ThrowsAsync<Dapr.DaprException>(() => coordinator.PublishStoredOutcomeAsync(orderId, Ct));
        events.BrokerDown = false;
        await coordinator.PublishStoredOutcomeAsync(orderId, Ct);
        var reserved = Assert.Single(events.OfType<StockReserved>());
        Assert.Equal((orderId, 500m), (reserved.OrderId, reserved.Amount));
    }

    [Fact]
    public async Task PublishStoredOutcome_RepublishesAFailure_AndNothingOnceTheOrderIsCommitted()
    {
        await Stock("a", 1);
        var failed = Guid.NewGuid();
        var committed = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(committed, ("a", 1)), Ct);
        await coordinator.ReserveAsync(Order(failed, ("a", 1)), Ct);
        await coordinator.CommitAsync(committed, Ct);
        var before = events.Published.Count;

        await coordinator.PublishStoredOutcomeAsync(failed, Ct);
        await coordinator.PublishStoredOutcomeAsync(committed, Ct);

        var republished = Assert.Single(events.Published.Skip(before));
        Assert.Equal(failed, Assert.IsType<StockReservationFailed>(republished).OrderId);
        Assert.Empty(retries.Scheduled);
    }

    [Fact]
    public async Task ReleaseAsync_Succeeds_AndArmsTheDurableRetry_WhenTheBrokerRefusesStockReleased()
    {
        await Stock("a", 5);
        var orderId = Guid.NewGuid();
        await coordinator.ReserveAsync(Order(orderId, ("a", 2)), Ct);
        events.BrokerDown = true;

        await coordinator.ReleaseAsync(orderId, "CancelledByUser", Ct);

        Assert.Equal(5, (await ledger.GetAsync("a", Ct))!.Available);
        Assert.Equal(orderId, Assert.Single(retries.Scheduled));
        events.BrokerDown = false;
        await coordinator.PublishStoredOutcomeAsync(orderId, Ct);
        Assert.Equal("CancelledByUser", Assert.Single(events.OfType<StockReleased>()).Reason);
    }

}
