using Flipkart.Cart;
using Flipkart.Cart.Infrastructure;
using Microsoft.Extensions.Options;
using Flipkart.Testing;

namespace Cart.Tests.Unit;

[Unit]
public class CartStoreTests
{
    [Fact]
    public void SaveMetadata_CarriesThirtyDayTtl_ByDefault()
    {
        var store = new CartStore(null!, new FixedOptions(new CartOptions()), TimeProvider.System);
        Assert.Equal("2592000", store.SaveMetadata()["ttlInSeconds"]);
    }

    [Fact]
    public void SaveMetadata_FollowsConfiguredIdleExpiry()
    {
        var store = new CartStore(null!, new FixedOptions(new CartOptions { IdleExpiry = TimeSpan.FromHours(1) }), TimeProvider.System);
        Assert.Equal("3600", store.SaveMetadata()["ttlInSeconds"]);
    }

    [Fact]
    public void Key_EscapesDaprSeparator()
    {
        Assert.Equal("cart-a%7C%7Cb", CartStore.Key("a||b"));
    }

    private sealed class FixedOptions(CartOptions value) : IOptionsMonitor<CartOptions>
    {
        public CartOptions CurrentValue => value;
        public CartOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<CartOptions, string?> listener) => null;
    }
}
