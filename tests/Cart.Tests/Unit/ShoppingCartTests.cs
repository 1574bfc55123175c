using Flipkart.Cart.Domain;
using Flipkart.Testing;

namespace Cart.Tests.Unit;

[Unit]
public class ShoppingCartTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly ProductSnapshot Phone = new("Phone", 9999m, 12999m);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    public void SetLine_Throws_WhenQuantityOutOfBounds(int quantity)
    {
        var cart = ShoppingCart.Empty("u1");
        Assert.Throws<CartDomainException>(() => cart.SetLine("p1", quantity, Phone, Now));
        Assert.Empty(cart.Lines);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void SetLine_Accepts_WhenQuantityAtBounds(int quantity)
    {
        var cart = ShoppingCart.Empty("u1");
        cart.SetLine("p1", quantity, Phone, Now);
        Assert.Equal(quantity, Assert.Single(cart.Lines).Quantity);
    }

    [Fact]
    public void SetLine_SnapshotsCatalogPriceAndTitle_WhenAdded()
    {
        var cart = ShoppingCart.Empty("u1");
        cart.SetLine("p1", 2, Phone, Now);

        var line = Assert.Single(cart.Lines);
        Assert.Equal(("Phone", 9999m, 12999m), (line.Title, line.UnitPrice, line.Mrp));
        Assert.Equal(19998m, cart.Total);
        Assert.Equal(Now, cart.UpdatedAt);
    }

    [Fact]
    public void SetLine_ReplacesQuantityAndRefreshesPrice_WhenProductAlreadyInCart()
    {
        var cart = ShoppingCart.Empty("u1");
        cart.SetLine("p1", 2, Phone, Now);
        cart.SetLine("p1", 3, Phone with { Price = 8999m }, Now.AddMinutes(1));

        var line = Assert.Single(cart.Lines);
        Assert.Equal((3, 8999m), (line.Quantity, line.UnitPrice));
    }

    [Fact]
    public void SetLine_Throws_WhenFiftyFirstProductAdded()
    {
        var cart = ShoppingCart.Empty("u1");
        for (var i = 0; i < ShoppingCart.MaxLines; i++)
        {
            cart.SetLine($"p{i}", 1, Phone, Now);
        }

        Assert.Throws<CartDomainException>(() => cart.SetLine("one-more", 1, Phone, Now));
        // Changing a line already in a full cart is still allowed.
        cart.SetLine("p0", 5, Phone, Now);
        Assert.Equal(ShoppingCart.MaxLines, cart.Lines.Count);
    }

    [Fact]
    public void ApplyOrderConfirmed_RemovesOnlyBoughtLines_AndIgnoresRedelivery()
    {
        var cart = ShoppingCart.Empty("u1");
        cart.SetLine("bought", 1, Phone, Now);
        cart.SetLine("kept", 1, Phone, Now);
        var orderId = Guid.NewGuid();

        Assert.True(cart.ApplyOrderConfirmed(orderId, ["bought"], Now));
        Assert.Equal("kept", Assert.Single(cart.Lines).ProductId);

        // The user adds the product again; a redelivered confirmation must not take it away.
        cart.SetLine("bought", 1, Phone, Now);
        Assert.False(cart.ApplyOrderConfirmed(orderId, ["bought"], Now));
        Assert.Equal(2, cart.Lines.Count);
    }

    [Theory]
    [InlineData("abc-123_X", true)]
    [InlineData("", false)]
    [InlineData("a|b", false)]
    [InlineData("../etc", false)]
    public void IsValidProductId_AcceptsOnlySafeIds(string productId, bool valid) =>
        Assert.Equal(valid, ShoppingCart.IsValidProductId(productId));
}
