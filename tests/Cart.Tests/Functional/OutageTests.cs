using System.Net.Http.Json;
using Flipkart.Testing;

namespace Cart.Tests.Functional;

/// <summary>Cart without its sidecar: every request is an outage answer (503 with Retry-After), never a 500.</summary>
[Functional]
public sealed class OutageTests(CartApiFixture fixture) : IClassFixture<CartApiFixture>
{
    [Fact]
    public async Task CartRequests_Answer503WithRetryAfter_WhenTheSidecarIsDown()
    {
        await using var cart = fixture.WithSidecarDown();
        using var client = cart.CreateClient().As("u-outage", "customer");

        using var read = await client.GetAsync("/api/cart", TestContext.Current.CancellationToken);
        using var change = await client.DeleteAsync("/api/cart", TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(read);
        await Outage.AssertAnswered503Async(change);
    }
}
