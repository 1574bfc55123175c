using Flipkart.Notification.Domain;
using Flipkart.Notification.Infrastructure;
using Flipkart.Testing;

namespace Notification.Tests.Unit;

[Unit]
public class OrderStatusSignalsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StatusObservation Seen(Guid orderId, OrderStatus status) => new(orderId, status, "u1", null, Now);

    [Fact]
    public async Task Watch_HandsOverAStatusRecordedBeforeTheFirstWait()
    {
        var signals = new OrderStatusSignals();
        var orderId = Guid.NewGuid();
        using var watch = signals.WatchOrder(orderId);

        // Recorded while the stream was still reading the store: not lost, although nobody was waiting yet.
        signals.Notify(Seen(orderId, OrderStatus.Confirmed));

        var next = await watch.NextAsync(TimeSpan.FromMinutes(1), TimeProvider.System, Ct);
        Assert.Equal(OrderStatus.Confirmed, next?.Status);
    }

    [Fact]
    public async Task Notify_WakesEveryStreamOfTheOrder_AndNoneOfAnother()
    {
        var signals = new OrderStatusSignals();
        var orderId = Guid.NewGuid();
        using var first = signals.WatchOrder(orderId);
        using var second = signals.WatchOrder(orderId);
        using var other = signals.WatchOrder(Guid.NewGuid());
        var waiting = first.NextAsync(TimeSpan.FromMinutes(1), TimeProvider.System, Ct);

        signals.Notify(Seen(orderId, OrderStatus.StockReserved));
        signals.Notify(Seen(orderId, OrderStatus.Paid));

        Assert.Equal(OrderStatus.StockReserved, (await waiting)?.Status);
        Assert.Equal(OrderStatus.Paid, (await first.NextAsync(TimeSpan.FromMinutes(1), TimeProvider.System, Ct))?.Status);
        Assert.Equal(OrderStatus.StockReserved, (await second.NextAsync(TimeSpan.FromMinutes(1), TimeProvider.System, Ct))?.Status);
        Assert.Null(await other.NextAsync(TimeSpan.Zero, TimeProvider.System, Ct));
    }

    [Fact]
    public async Task NextAsync_ReturnsNull_WhenTheSafetyReadIsDueFirst()
    {
        var signals = new OrderStatusSignals();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        using var watch = signals.WatchOrder(Guid.NewGuid());

        var waiting = watch.NextAsync(TimeSpan.FromSeconds(10), time, Ct);
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Null(await waiting);
    }

    [Fact]
    public void Dispose_LeavesNothingBehind_WhenTheLastStreamOfAnOrderCloses()
    {
        var signals = new OrderStatusSignals();
        var orderId = Guid.NewGuid();
        var first = signals.WatchOrder(orderId);
        var second = signals.WatchOrder(orderId);
        Assert.Equal(2, signals.Watching(orderId));

        first.Dispose();
        signals.Notify(Seen(orderId, OrderStatus.Paid));   // reaches the stream still open only
        second.Dispose();

        Assert.Equal(0, signals.Watching(orderId));
    }
}
