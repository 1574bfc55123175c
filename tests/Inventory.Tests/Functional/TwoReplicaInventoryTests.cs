using System.Net;
using System.Net.Http.Json;
using Flipkart.Inventory.Apis;
using Flipkart.Inventory.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Inventory.Tests.Functional;

/// <summary>
/// Two inventory replicas: buyers land on either, the SKU's actor lives on one, and still no oversell — with each
/// replica gathering the changes that queue up for the actor's turn into one turn, and without (the rollout setting).
/// </summary>
[Functional]
public sealed class TwoReplicaInventoryTests(TwoReplicaActorLedgerFixture fixture)
    : TwoReplicaInventoryScenarios(fixture, gathered: true), IClassFixture<TwoReplicaActorLedgerFixture>;

[Functional]
public sealed class TwoReplicaUngatheredInventoryTests(TwoReplicaUngatheredActorLedgerFixture fixture)
    : TwoReplicaInventoryScenarios(fixture, gathered: false), IClassFixture<TwoReplicaUngatheredActorLedgerFixture>;

public abstract class TwoReplicaInventoryScenarios(InventoryApiFixture fixture, bool gathered)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FiftyBuyersSplitAcrossReplicas_ForLastFiveUnits_ExactlyFiveReserve()
    {
        var product = "sku-" + Guid.NewGuid().ToString("N")[..12];
        using (var admin = fixture.Admin())
        {
            (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 5 }, Ct)).EnsureSuccessStatusCode();
        }

        var orders = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();
        var clients = new[] { fixture.Client(null, replica: 0), fixture.Client(null, replica: 1) };
        var responses = await Task.WhenAll(orders.Select((orderId, i) => InventoryApiFixture.SubmitOrderAsync(clients[i % 2], orderId, product)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await fixture.WaitForOutcomesAsync(orders, 50);

        Assert.Equal(5, fixture.Events("StockReserved", orders).Count);
        Assert.Equal(45, fixture.Events("StockReservationFailed", orders).Count);
        foreach (var replica in new[] { 0, 1 })
        {
            using var admin = fixture.Client("admin-1", "admin", replica);
            Assert.Equal(new StockResponse(product, 0, 5, 0), await admin.GetFromJsonAsync<StockResponse>($"/api/inventory/{product}", Ct));
        }
        foreach (var client in clients)
        {
            client.Dispose();
        }

        // Gathered, every reservation the sold-out flag did not turn away went to the actor in a gathered turn (with
        // the refused orders' releases), and the metric operators watch saw it; ungathered, nothing was.
        var metrics = fixture.Replicas.Select(r => r.Services.GetRequiredService<InventoryMetrics>()).ToList();
        var (turns, changes) = (metrics.Sum(m => m.StockTurnTotals.Turns), metrics.Sum(m => m.StockTurnTotals.Changes));
        if (gathered)
        {
            Assert.InRange(changes, 50 - metrics.Sum(m => m.ShortCircuitTotal), long.MaxValue);
            Assert.InRange(turns, 1, changes);
        }
        else
        {
            Assert.Equal((0, 0), (turns, changes));
        }
    }
}
