using Flipkart.Testing;

namespace Flipkart.Gateway.Tests;

/// <summary>The gateway's own sidecar is down: every proxied request is an outage, answered like every service answers one.</summary>
public sealed class SidecarOutageTests
{
    [Fact]
    public async Task AProxiedRequestIsA503ProblemWithRetryAfter_WhenTheGatewaysSidecarIsDown()
    {
        await using var gateway = new GatewayFactory(new Uri($"http://127.0.0.1:{Outage.ClosedLoopbackPort()}"));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/catalog/products?q=phone", TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(response);
    }
}
