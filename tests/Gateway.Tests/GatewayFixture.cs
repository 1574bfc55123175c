namespace Flipkart.Gateway.Tests;

/// <summary>One recording sidecar and one gateway shared by a test class (rate limits are set out of reach).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public RecordingSidecar Sidecar { get; private set; } = null!;
    public GatewayFactory Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Sidecar = await RecordingSidecar.StartAsync();
        Gateway = new GatewayFactory(Sidecar.BaseAddress);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Sidecar.DisposeAsync();
    }
}
