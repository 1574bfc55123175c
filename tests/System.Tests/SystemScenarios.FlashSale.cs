using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>
/// This part: buy-now for the last unit. Inventory holds the winner's unit before ordering commits the order, so the
/// 202 is the buyer's answer; the buyer after them is told sold out and has no order at all.
/// </summary>
public abstract partial class SystemScenarios
{
    [Fact]
    public async Task The_last_unit_goes_to_one_buyer_who_learns_it_from_the_202_and_the_next_buyer_is_sold_out_without_an_order()
    {
        fixture.RequireApps("inventory", "ordering", "payment", "notification", "fulfilment");
        // A product of its own: the others' tests restock theirs, and a sell-out here must not answer them "sold out".
        var productId = await FindProductAsync("bluetooth headphones");
        using var admin = await SignedInAsync($"admin-{Guid.NewGuid():N}", "admin");
        using var winner = await SignedInAsync($"buyer-{Guid.NewGuid():N}", "customer");
        using var late = await SignedInAsync($"buyer-{Guid.NewGuid():N}", "customer");
        int soldBefore;
        using (var set = await admin.PutAsJsonAsync($"api/inventory/{productId}", new { available = 1 }, Cancellation))
        {
            await set.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
            soldBefore = (await set.ReadJsonAsync(Cancellation)).GetProperty("sold").GetInt32();
        }

        // The sold-out gate may still hold an older snapshot of this product for a moment: the winner's key is free
        // again after a refusal, so it simply asks again.
        var key = Guid.NewGuid().ToString();
        var accepted = await Eventually.MatchAsync(async () =>
        {
            using var response = await BuyNowAsync(winner, productId, key);
            return (response.StatusCode, Body: await response.ReadJsonAsync(Cancellation));
        }, answer => answer.StatusCode == HttpStatusCode.Accepted, "the winner's buy-now is accepted", SagaTimeout);
        Assert.Equal("StockReserved", accepted.Body.GetProperty("status").GetString());
        var orderId = accepted.Body.GetProperty("orderId").GetString()!;

        using (var refused = await BuyNowAsync(late, productId, Guid.NewGuid().ToString()))
        {
            await refused.ShouldBeAsync(HttpStatusCode.Conflict, Cancellation);
            Assert.EndsWith("/sold-out", (await refused.ReadJsonAsync(Cancellation)).GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        using (var orders = await late.GetAsync("api/orders", Cancellation))
        {
            await orders.ShouldBeAsync(HttpStatusCode.OK, Cancellation);
            Assert.Equal(0, (await orders.ReadJsonAsync(Cancellation)).GetProperty("totalCount").GetInt32());
        }

        await OrderReachesAsync(winner, orderId, "Confirmed", orLater: true);
        var shelf = await Eventually.MatchAsync(async () =>
        {
            using var stock = await admin.GetAsync($"api/inventory/{productId}", Cancellation);
            return await stock.ReadJsonAsync(Cancellation);
        }, s => s.GetProperty("sold").GetInt32() == soldBefore + 1, "the unit is sold", SagaTimeout);
        Assert.Equal((0, 0), (shelf.GetProperty("available").GetInt32(), shelf.GetProperty("reserved").GetInt32()));
    }

    private Task<HttpResponseMessage> BuyNowAsync(HttpClient buyer, string productId, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/orders/buy-now") { Content = JsonContent.Create(new { productId, quantity = 1 }) };
        request.Headers.Add("Idempotency-Key", key);
        return buyer.SendAsync(request, Cancellation);
    }
}
