using System.Net;
using System.Text;
using Flipkart.Testing;

namespace Cart.Tests.Functional;

/// <summary>ServiceDefaults' strict JSON rules as a client meets them on the cart.</summary>
[Functional]
public class StrictJsonTests(CartApiFixture fixture) : IClassFixture<CartApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"quantity":"2"}""")]
    [InlineData("""{"quantity":"1e1"}""")]
    public async Task PutItem_Returns400_WhenANumberIsSentAsAString(string json)
    {
        var product = "p-" + Guid.NewGuid().ToString("N")[..12];
        fixture.Products[product] = ($"Product {product}", 10m, 20m);
        using var client = fixture.CreateClient("user-" + Guid.NewGuid().ToString("N")[..8]);

        using var body = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await client.PutAsync($"/api/cart/items/{product}", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var cart = await client.GetStringAsync("/api/cart", Ct);
        Assert.DoesNotContain(product, cart, StringComparison.Ordinal);
    }
}
