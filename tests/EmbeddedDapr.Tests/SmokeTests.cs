using Flipkart.EmbeddedDapr.Hosting;

namespace Flipkart.EmbeddedDapr.Tests;

public class SmokeTests
{
    [Fact]
    public async Task Smoke()
    {
        await using var cluster = await EmbeddedDaprCluster.StartAsync("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.in-memory
              version: v1
            """);
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "smoke" }, TestContext.Current.CancellationToken);
        using var client = sidecar.CreateDaprClient();
        await client.SaveStateAsync("statestore", "k", new { A = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        var (value, etag) = await client.GetStateAndETagAsync<Dictionary<string, int>>("statestore", "k", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, value["a"]);
        Assert.NotEmpty(etag);
        Assert.Equal(["smoke||k"], cluster.StateStores["statestore"].Backend.Keys);
    }
}
