using System.Net;
using System.Net.Http.Json;
using Flipkart.Inventory.Apis;
using Flipkart.Inventory.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Inventory.Tests.Functional;

/// <summary>One SKU's stock split over four stock actors, two inventory replicas, buyers landing on either.</summary>
[Functional]
public class SplitStockTests(TwoReplicaBucketedActorLedgerFixture fixture) : IClassFixture<TwoReplicaBucketedActorLedgerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EightyBuyersAcrossReplicas_ForSevenUnitsInFourBuckets_ExactlySevenReserve_EachInOneBucket()
    {
        var product = "sku-" + Guid.NewGuid().ToString("N")[..12];
        using (var admin = fixture.Admin())
        {
            (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 7 }, Ct)).EnsureSuccessStatusCode();
        }

        var orders = Enumerable.Range(0, 80).Select(_ => Guid.NewGuid()).ToList();
        var clients = new[] { fixture.Client(null, replica: 0), fixture.Client(null, replica: 1) };
        var responses = await Task.WhenAll(orders.Select((orderId, i) => InventoryApiFixture.SubmitOrderAsync(clients[i % 2], orderId, product, "buyer-" + orderId.ToString("N")[..6])));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await fixture.WaitForOutcomesAsync(orders, 80);

        var reserved = fixture.Events("StockReserved", orders).Select(e => Guid.Parse((string)e["data"]!["orderId"]!)).ToHashSet();
        Assert.Equal(7, reserved.Count);
        Assert.Equal(73, fixture.Events("StockReservationFailed", orders).Count);
        foreach (var replica in new[] { 0, 1 })
        {
            using var admin = fixture.Client("admin-1", "admin", replica);
            Assert.Equal(new StockResponse(product, 0, 7, 0), await admin.GetFromJsonAsync<StockResponse>($"/api/inventory/{product}", Ct));
        }

        // Each sold order is held in exactly one of the four actors, and each actor balances.
        var buckets = fixture.Replicas[0].Services.GetRequiredService<ActorStockLedger>();
        var parts = await Task.WhenAll(Enumerable.Range(0, 4).Select(k => buckets.GetAsync(BucketedStockLedger.BucketId(product, k), Ct)));
        Assert.All(parts, p => Assert.True(p!.IsConserved));
        var holds = parts.SelectMany(p => p!.Reservations.Keys).ToList();
        Assert.Equal(reserved.Order(), holds.Order());
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task SettingACap_OnASplitProduct_Answers409_AndChangesNothing()
    {
        var product = "sku-" + Guid.NewGuid().ToString("N")[..12];
        using var admin = fixture.Admin();
        (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 9 }, Ct)).EnsureSuccessStatusCode();

        var response = await admin.PutAsJsonAsync($"/api/inventory/{product}", new { available = 20, perUserLimit = 1 }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new StockResponse(product, 9, 0, 0), await admin.GetFromJsonAsync<StockResponse>($"/api/inventory/{product}", Ct));

        // A product capped from its first PUT stays whole and takes the cap.
        var capped = "sku-" + Guid.NewGuid().ToString("N")[..12];
        (await admin.PutAsJsonAsync($"/api/inventory/{capped}", new { available = 9, perUserLimit = 2 }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(new StockResponse(capped, 9, 0, 0, 2), await admin.GetFromJsonAsync<StockResponse>($"/api/inventory/{capped}", Ct));
    }
}
