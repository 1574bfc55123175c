using System.Net;
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

        foreach (var response in new[] { read, change })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to come back");
        }
    }
}
