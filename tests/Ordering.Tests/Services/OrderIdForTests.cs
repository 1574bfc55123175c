using Flipkart.Ordering.Services;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Services;

[Unit]
public sealed class OrderIdForTests
{
    [Fact]
    public void OrderIdFor_IsStable_ForTheSameUserAndKey() =>
        Assert.Equal(OrderService.OrderIdFor("alice", "k-1"), OrderService.OrderIdFor("alice", "k-1"));

    [Fact]
    public void OrderIdFor_Differs_AcrossUsersAndKeys()
    {
        var ids = new[]
        {
            OrderService.OrderIdFor("alice", "k-1"),
            OrderService.OrderIdFor("bob", "k-1"),
            OrderService.OrderIdFor("alice", "k-2"),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void OrderIdFor_IsTheIdEarlierReleasesGaveTheSameUserAndKey() =>
        // A checkout retried across an upgrade must find the order its first attempt created.
        Assert.Equal(Guid.Parse("b5d028fc-f270-894a-9ac3-9f3a625fe099"), OrderService.OrderIdFor("alice", "k-1"));

    [Fact]
    public void OrderIdFor_IsAVersion8Guid() =>
        Assert.Equal(8, OrderService.OrderIdFor("alice", "k-1").Version);
}
