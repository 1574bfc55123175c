using Flipkart.Ordering.Domain;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Domain;

/// <summary>How inventory's refusal reasons become the order's cancellation reason (contract 2: per-user purchase cap).</summary>
[Unit]
public sealed class PurchaseLimitCancellationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static Order NewOrder() => Order.Submit(Guid.NewGuid(), "user-1", [new OrderLine("sku-1", "Flash phone", 9999m, 2)], T0, TimeSpan.FromMinutes(10));

    [Fact]
    public void OnStockReservationFailed_CancelsWithPurchaseLimitExceeded_WhenInventoryRefusesTheCap()
    {
        var order = NewOrder();

        Assert.True(order.OnStockReservationFailed(T0.AddSeconds(1), "purchase limit exceeded", "sku-1"));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReason.PurchaseLimitExceeded, order.CancellationReason);
        Assert.Equal("PurchaseLimitExceeded: sku-1: purchase limit exceeded", order.Timeline[^1].Detail);
    }

    [Theory]
    [InlineData("out of stock")]
    [InlineData("unknown product")]
    [InlineData("purchase limit")]
    [InlineData("")]
    [InlineData(null)]
    public void OnStockReservationFailed_CancelsWithOutOfStock_ForAnyOtherReason(string? reason)
    {
        var order = NewOrder();

        Assert.True(order.OnStockReservationFailed(T0.AddSeconds(1), reason, "sku-1"));

        Assert.Equal(CancellationReason.OutOfStock, order.CancellationReason);
    }

    [Theory]
    [InlineData("Purchase Limit Exceeded")]
    [InlineData(" purchase limit exceeded ")]
    public void CancellationReasonFor_ReadsTheCapReason_RegardlessOfCaseAndPadding(string reason) =>
        Assert.Equal(CancellationReason.PurchaseLimitExceeded, Order.CancellationReasonFor(reason));

    [Fact]
    public void OnStockReservationFailed_ChangesNothing_WhenTheOrderAlreadyMovedOn()
    {
        var order = NewOrder();
        order.CancelByUser(T0);

        Assert.False(order.OnStockReservationFailed(T0.AddSeconds(1), "purchase limit exceeded", "sku-1"));

        Assert.Equal(CancellationReason.CancelledByUser, order.CancellationReason);
    }
}
