using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Domain;

[Unit]
public sealed class OrderCheckoutTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly OrderLine[] Lines = [new("p-1", "Phone", 9999m, 1)];

    [Fact]
    public void Submit_RecordsCart_WhenNoCheckoutIsGiven() =>
        Assert.Equal("cart", Order.Submit(Guid.NewGuid(), "u", Lines, T0, TimeSpan.FromMinutes(10)).Checkout);

    [Fact]
    public void Submit_RecordsBuyNow_WhenPlacedByBuyNow() =>
        Assert.Equal("buy-now", Order.Submit(Guid.NewGuid(), "u", Lines, T0, TimeSpan.FromMinutes(10), checkout: CheckoutKind.BuyNow).Checkout);

    [Fact]
    public void Submit_Throws_WhenTheCheckoutKindIsUnknown() =>
        Assert.Throws<OrderingDomainException>(() => Order.Submit(Guid.NewGuid(), "u", Lines, T0, TimeSpan.FromMinutes(10), checkout: "teleport"));

    [Fact]
    public void Deserialize_KeepsTheCheckout_AndReadsOldOrdersAsCart()
    {
        var order = Order.Submit(Guid.NewGuid(), "u", Lines, T0, TimeSpan.FromMinutes(10), checkout: CheckoutKind.BuyNow);
        var json = JsonSerializer.SerializeToNode(order, JsonSerializerOptions.Web)!.AsObject();

        Assert.Equal("buy-now", JsonSerializer.Deserialize<Order>(json.ToJsonString(), JsonSerializerOptions.Web)!.Checkout);

        json.Remove("checkout");
        Assert.Equal("cart", JsonSerializer.Deserialize<Order>(json.ToJsonString(), JsonSerializerOptions.Web)!.Checkout);
    }
}
