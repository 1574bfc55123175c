using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Inventory.Tests.Functional;

/// <summary>Inventory without its sidecar: stock reads are an outage answer (503 with Retry-After), never a 500.</summary>
[Functional]
public sealed class OutageTests(ActorLedgerFixture fixture) : IClassFixture<ActorLedgerFixture>
{
    [Fact]
    public async Task StockReads_Answer503WithRetryAfter_WhenTheSidecarIsDown()
    {
        await using var inventory = fixture.WithSidecarDown();
        using var anonymous = inventory.CreateClient();
        using var admin = inventory.CreateClient().As("admin-1", CallerIdentity.AdminRole);

        using var availability = await anonymous.GetAsync("/api/inventory/sku-outage/availability", TestContext.Current.CancellationToken);
        using var stock = await admin.GetAsync("/api/inventory/sku-outage", TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(availability);
        await Outage.AssertAnswered503Async(stock);
    }
}
