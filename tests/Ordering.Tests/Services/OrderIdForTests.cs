using Flipkart.Ordering.Services;

namespace Flipkart.Ordering.Tests.Services;

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
    public void OrderIdFor_IsAVersion8Guid() =>
        Assert.Equal(8, OrderService.OrderIdFor("alice", "k-1").Version);
}
