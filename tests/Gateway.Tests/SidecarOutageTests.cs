using System.Net;
using System.Net.Sockets;

namespace Flipkart.Gateway.Tests;

/// <summary>The gateway's own sidecar is down: every proxied request is an outage, answered like every service answers one.</summary>
public sealed class SidecarOutageTests
{
    [Fact]
    public async Task AProxiedRequestIsA503ProblemWithRetryAfter_WhenTheGatewaysSidecarIsDown()
    {
        // A loopback port nobody listens on: the connection is refused at once.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var gateway = new GatewayFactory(new Uri($"http://127.0.0.1:{closedPort}"));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/catalog/products?q=phone", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to come back");
    }
}
