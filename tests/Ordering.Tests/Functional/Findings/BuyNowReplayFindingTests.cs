using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Flipkart.Ordering.Tests.Functional.Findings;

/// <summary>
/// Finding F7 (issue 13): buy-now answers its sold-out gate before it looks up the Idempotency-Key, so a client that
/// retries a purchase which already succeeded (a lost 202, a timeout) is told "Sold out" — by its own order — while that
/// order goes on to be charged. An Idempotency-Key replay must win over every other answer (IETF draft, section 2.6).
/// </summary>
public sealed class F7_BuyNowReplayAfterSellOutTests(BuyNowFixture fixture) : IClassFixture<BuyNowFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage BuyNow(string key, string productId) =>
        new(HttpMethod.Post, "/api/orders/buy-now")
        {
            Content = new StringContent($$"""{"productId":"{{productId}}","quantity":1}""", Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", key } },
        };

    [Theory]
    [InlineData("OutOfStock", 0, null)]     // the last unit went to this very request
    [InlineData("InStock", 5, 0)]           // a purchase limit lowered since
    public async Task F7_Replaying_a_successful_buy_now_returns_its_order_whatever_the_gate_says_now(string laterStatus, int laterAvailable, int? laterLimit)
    {
        var productId = $"f7-{Guid.NewGuid():N}";
        var user = $"buyer-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Last unit", 999m);
        fixture.Stubs.CartFailures[user] = true;
        fixture.Availability[productId] = ("InStock", 1, null);
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();

        using var first = await client.SendAsync(BuyNow(key, productId), Ct);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var orderId = (string)(await first.Content.ReadFromJsonAsync<JsonObject>(Ct))!["orderId"]!;

        fixture.Availability[productId] = (laterStatus, laterAvailable, laterLimit);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct); // past the fixture's 100 ms availability freshness
        using var replay = await client.SendAsync(BuyNow(key, productId), Ct);
        var body = await replay.Content.ReadAsStringAsync(Ct);

        Assert.True(replay.StatusCode == HttpStatusCode.Accepted && body.Contains(orderId, StringComparison.Ordinal),
            $"the replay of Idempotency-Key {key} (order {orderId} accepted) answered {(int)replay.StatusCode}: {body}");
    }
}
