using System.Net;

namespace Flipkart.Gateway.Tests;

public class EdgeGuardTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/cart/items/%0d%0aSet-Cookie:x=1")]
    [InlineData("/api/catalog/products/a%1b%5b31m")]
    [InlineData("/api/inventory/%09tab")]
    public async Task PathsWithControlCharactersAreRefusedWith400AndNeverForwarded(string path)
    {
        var marker = Guid.NewGuid().ToString("N");
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-edge"));
        client.DefaultRequestHeaders.Add("X-Test-Marker", marker);

        var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
    }

    [Fact]
    public async Task AnOrdinaryPathWithEncodedSpacesIsStillForwarded()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var client = fixture.Gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-Test-Marker", marker);

        var response = await client.GetAsync("/api/catalog/products/a%20b", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
    }
}
