using Flipkart.Notification.Domain;

namespace Notification.Tests.Unit;

public class TrackedOrderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observe_AdvancesThroughSagaStatuses()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        Assert.True(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.True(order.Observe(OrderStatus.StockReserved, "u1", null, Now));
        Assert.True(order.Observe(OrderStatus.Paid, null, null, Now));
        Assert.True(order.Observe(OrderStatus.Confirmed, "u1", null, Now));

        Assert.Equal(OrderStatus.Confirmed, order.Status);
        Assert.Equal([OrderStatus.Submitted, OrderStatus.StockReserved, OrderStatus.Paid, OrderStatus.Confirmed], order.History.Select(h => h.Status));
        Assert.True(order.IsFinal);
    }

    [Fact]
    public void Observe_IgnoresDuplicatesAndStaleEvents()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Paid, "u1", null, Now);

        Assert.False(order.Observe(OrderStatus.Paid, "u1", null, Now));
        Assert.False(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.Single(order.History);
    }

    [Fact]
    public void Observe_KeepsFirstFinalStatus()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Confirmed, "u1", null, Now);

        Assert.False(order.Observe(OrderStatus.Cancelled, "u1", "PaymentFailed", Now));
        Assert.Equal(OrderStatus.Confirmed, order.Status);
    }

    [Fact]
    public void Observe_LearnsOwnerFromLaterEvent_WhenFirstEventNamedNone()
    {
        var order = TrackedOrder.New(Guid.NewGuid());
        order.Observe(OrderStatus.Paid, null, null, Now);

        Assert.True(order.Observe(OrderStatus.Submitted, "u1", null, Now));
        Assert.Equal(("u1", OrderStatus.Paid), (order.UserId, order.Status));
    }
}
