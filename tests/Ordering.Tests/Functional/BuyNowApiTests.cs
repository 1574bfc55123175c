using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

[Functional]
public sealed class BuyNowApiTests(BuyNowFixture fixture) : IClassFixture<BuyNowFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A product known to catalog (at <paramref name="price"/>) and to inventory with the given availability.</summary>
    private string Product(decimal price = 999m, string status = "InStock", int available = 10, int? perUserLimit = null)
    {
        var productId = $"bn-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ($"Flash {productId}", price);
        fixture.Availability[productId] = (status, available, perUserLimit);
        return productId;
    }

    /// <summary>A buyer whose cart cannot be read: a buy-now that touched the cart would fail.</summary>
    private string Buyer()
    {
        var user = $"buyer-{Guid.NewGuid():N}";
        fixture.Stubs.CartFailures[user] = true;
        return user;
    }

    private static HttpRequestMessage BuyNow(string? key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders/buy-now") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return request;
    }

    private static HttpRequestMessage BuyNow(string? key, string productId, int quantity) =>
        BuyNow(key, $$"""{"productId":"{{productId}}","quantity":{{quantity}}}""");

    private static async Task<JsonObject> Json(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;

    private static async Task<JsonObject> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? typeSuffix = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json(response);
        Assert.Equal((int)status, (int)problem["status"]!);
        if (typeSuffix is not null)
        {
            Assert.EndsWith(typeSuffix, (string)problem["type"]!, StringComparison.Ordinal);
        }
        return problem;
    }

    [Fact]
    public async Task BuyNow_Answers202_PricedFromCatalogWithoutReadingTheCart()
    {
        var productId = Product(price: 1499.50m);
        using var client = fixture.ClientFor(Buyer());

        using var response = await client.SendAsync(BuyNow("bn-1", productId, 2), Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json(response);
        var orderId = (string)accepted["orderId"]!;
        // Inventory held the units before the order was committed, so the 202 is already the buyer's answer.
        Assert.Equal(("StockReserved", 2999m), ((string)accepted["status"]!, (decimal)accepted["total"]!));
        Assert.Equal($"/api/orders/{orderId}", response.Headers.Location?.ToString());
        var hold = Assert.Single(fixture.Holds, h => h.OrderId == Guid.Parse(orderId)).Body;
        Assert.Equal((productId, 2), ((string)hold["lines"]![0]!["productId"]!, (int)hold["lines"]![0]!["quantity"]!));
        Assert.Equal((2999m, (DateTimeOffset)accepted["reservationExpiresAt"]!), ((decimal)hold["total"]!, (DateTimeOffset)hold["expiresAt"]!));

        var order = await Json(await client.GetAsync(response.Headers.Location, Ct));
        var line = Assert.Single(order["lines"]!.AsArray())!;
        Assert.Equal((productId, $"Flash {productId}", 1499.50m, 2), ((string)line["productId"]!, (string)line["title"]!, (decimal)line["unitPrice"]!, (int)line["quantity"]!));
        Assert.True(fixture.Timers.Scheduled.ContainsKey(Guid.Parse(orderId)), "the reservation timer was armed");

        // OrderSubmitted leaves through the outbox marked as a buy-now order.
        var submitted = await Eventually.GetAsync(() => fixture.Stubs.OrderEvents.FirstOrDefault(e =>
            (string?)e["type"] == "OrderSubmitted" && (string?)e["data"]?["orderId"] == orderId), "OrderSubmitted on topic orders");
        Assert.Equal("buy-now", (string)submitted["data"]!["checkout"]!);
    }

    [Fact]
    public async Task BuyNow_Answers409SoldOut_WithOneKeyReadAndNoWrite()
    {
        var productId = Product(status: "OutOfStock", available: 0);
        var user = Buyer();
        using var client = fixture.ClientFor(user);
        var before = fixture.StateCalls.CallsBy("ordering");
        var writesBefore = fixture.StateCalls.WritesBy("ordering");

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.SendAsync(BuyNow($"sold-out-{i}", productId, 1), Ct);
            var problem = await AssertProblem(response, HttpStatusCode.Conflict, "/sold-out");
            Assert.Equal("Sold out", (string)problem["title"]!);
            Assert.Null(response.Headers.RetryAfter);
            // Answered without a throw, yet the same problem the exception handler writes for a thrown one.
            Assert.Equal($"Product '{productId}' is sold out.", (string)problem["detail"]!);
            Assert.Equal("/api/orders/buy-now", (string)problem["instance"]!);
            Assert.False(string.IsNullOrEmpty((string?)problem["traceId"]), "the answer carries its trace id");
        }

        // Each refusal reads its Idempotency-Key once (a replay must win over the gate, finding F7) and writes nothing.
        Assert.Equal(before + 20, fixture.StateCalls.CallsBy("ordering"));
        Assert.Equal(writesBefore, fixture.StateCalls.WritesBy("ordering"));
        var orders = await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct);
        Assert.Equal(0, (int)orders!["totalCount"]!);
        Assert.True(fixture.StateCalls.CallsBy("ordering") > before, "the counter sees ordering's state reads (the listing above)");
    }

    [Fact]
    public async Task BuyNow_Answers409SoldOut_AndMakesNoOrder_WhenInventoryRefusesTheHold()
    {
        // The gate still believes in stock; inventory, which decides, has none left.
        var productId = Product(available: 1);
        fixture.HoldAnswers[productId] = HoldStub.OutOfStock;
        using var client = fixture.ClientFor(Buyer());

        using var refused = await client.SendAsync(BuyNow("held-out-1", productId, 1), Ct);

        await AssertProblem(refused, HttpStatusCode.Conflict, "/sold-out");
        var orders = await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct);
        Assert.Equal(0, (int)orders!["totalCount"]!);
        var heldOrder = Assert.Single(fixture.Holds, h => (string?)h.Body["lines"]![0]!["productId"] == productId).OrderId;

        // Nothing was committed under the key: once inventory holds the unit, the same key buys it, as the same order.
        fixture.HoldAnswers[productId] = HoldStub.Hold;
        fixture.Availability[productId] = ("InStock", 5, null);
        using var retried = await RetryUntilAcceptedAsync(client, "held-out-1", productId);
        Assert.Equal(heldOrder, Guid.Parse((string)(await Json(retried))["orderId"]!));
        Assert.DoesNotContain(fixture.Stubs.OrderEvents, e => (string?)e["data"]?["orderId"] == heldOrder.ToString() && (string?)e["type"] == "OrderCancelled");
    }

    [Fact]
    public async Task BuyNow_Answers409PurchaseLimit_WhenInventoryRefusesTheHoldForTheBuyersCap()
    {
        var productId = Product(perUserLimit: 2);
        fixture.HoldAnswers[productId] = HoldStub.PurchaseLimit;
        using var client = fixture.ClientFor(Buyer());

        using var refused = await client.SendAsync(BuyNow("held-limit-1", productId, 1), Ct);

        var problem = await AssertProblem(refused, HttpStatusCode.Conflict, "/purchase-limit");
        Assert.Contains("At most 2", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(0, (int)(await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct))!["totalCount"]!);
    }

    [Fact]
    public async Task BuyNow_CommitsTheOrderUnheld_WhenInventoryCannotHold()
    {
        var productId = Product();
        fixture.HoldAnswers[productId] = HoldStub.Unavailable;
        using var client = fixture.ClientFor(Buyer());

        using var response = await client.SendAsync(BuyNow("unheld-1", productId, 1), Ct);

        // A hold is an answer sooner, not a dependency: the saga reserves from OrderSubmitted as for a cart checkout.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json(response);
        var orderId = (string)accepted["orderId"]!;
        Assert.Equal("Submitted", (string)accepted["status"]!);
        await Eventually.GetAsync(() => fixture.Stubs.OrderEvents.FirstOrDefault(e =>
            (string?)e["type"] == "OrderSubmitted" && (string?)e["data"]?["orderId"] == orderId), "OrderSubmitted on topic orders");
    }

    [Fact]
    public async Task BuyNow_Answers409AndMakesNoOrder_WhenTheKeysEarlierHoldHasLapsed()
    {
        var productId = Product();
        fixture.HoldAnswers[productId] = HoldStub.Lapsed;
        using var client = fixture.ClientFor(Buyer());

        using var response = await client.SendAsync(BuyNow("lapsed-1", productId, 1), Ct);

        var problem = await AssertProblem(response, HttpStatusCode.Conflict);
        Assert.Equal("Reservation lapsed", (string)problem["title"]!);
        Assert.Equal(0, (int)(await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct))!["totalCount"]!);
    }

    // The gate's snapshot of a product is refreshed within the fixture's freshness; retry rather than time it.
    private static async Task<HttpResponseMessage> RetryUntilAcceptedAsync(HttpClient client, string key, string productId)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(45));
        while (true)
        {
            var attempt = await client.SendAsync(BuyNow(key, productId, 1), deadline.Token);
            if (attempt.StatusCode != HttpStatusCode.Conflict)
            {
                Assert.Equal(HttpStatusCode.Accepted, attempt.StatusCode);
                return attempt;
            }
            attempt.Dispose();
            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task BuyNow_LetsBuyersThroughAgain_AfterARestock()
    {
        var productId = Product(status: "OutOfStock", available: 0);
        using var client = fixture.ClientFor(Buyer());
        using (var refused = await client.SendAsync(BuyNow("restock-1", productId, 1), Ct))
        {
            await AssertProblem(refused, HttpStatusCode.Conflict, "/sold-out");
        }

        fixture.Availability[productId] = ("FewLeft", 3, null);

        using var accepted = await RetryUntilAcceptedAsync(client, "restock-1", productId);
    }

    [Fact]
    public async Task BuyNow_ReplaysTheFirstAnswer_WhenRetriedWithTheSameKey()
    {
        var productId = Product();
        using var client = fixture.ClientFor(Buyer());

        using var first = await client.SendAsync(BuyNow("retry-key", productId, 1), Ct);
        using var second = await client.SendAsync(BuyNow("retry-key", productId, 1), Ct);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        Assert.Equal((string)(await Json(first))["orderId"]!, (string)(await Json(second))["orderId"]!);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        var orders = await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct);
        Assert.Equal(1, (int)orders!["totalCount"]!);

        // The same key with another body, or sent to cart checkout, is a reuse.
        using var otherQuantity = await client.SendAsync(BuyNow("retry-key", productId, 2), Ct);
        await AssertProblem(otherQuantity, HttpStatusCode.UnprocessableEntity);
        using var checkout = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent($$"""{"productId":"{{productId}}","quantity":1}""", Encoding.UTF8, "application/json") };
        checkout.Headers.Add("Idempotency-Key", "retry-key");
        using var viaCheckout = await client.SendAsync(checkout, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, viaCheckout.StatusCode); // checkout's body has no productId member
    }

    [Fact]
    public async Task BuyNow_Answers409PurchaseLimit_WhenQuantityExceedsPerUserLimit()
    {
        var productId = Product(perUserLimit: 2);
        using var client = fixture.ClientFor(Buyer());

        using var over = await client.SendAsync(BuyNow("limit-1", productId, 3), Ct);
        await AssertProblem(over, HttpStatusCode.Conflict, "/purchase-limit");

        using var within = await client.SendAsync(BuyNow("limit-1", productId, 2), Ct);
        Assert.Equal(HttpStatusCode.Accepted, within.StatusCode);
    }

    [Fact]
    public async Task BuyNow_Answers404_WhenInventoryDoesNotKnowTheProduct()
    {
        using var client = fixture.ClientFor(Buyer());
        var before = fixture.StateCalls.WritesBy("ordering");

        using var response = await client.SendAsync(BuyNow("unknown-1", $"nope-{Guid.NewGuid():N}", 1), Ct);

        await AssertProblem(response, HttpStatusCode.NotFound);
        Assert.Equal(before, fixture.StateCalls.WritesBy("ordering"));
    }

    [Fact]
    public async Task BuyNow_Answers404AndFreesTheKey_WhenCatalogDoesNotSellTheProduct()
    {
        var productId = Product();
        fixture.Stubs.Products.TryRemove(productId, out _);
        using var client = fixture.ClientFor(Buyer());

        using var missing = await client.SendAsync(BuyNow("catalog-1", productId, 1), Ct);
        await AssertProblem(missing, HttpStatusCode.NotFound);

        // No order was made, so the same key works once the product is on sale.
        fixture.Stubs.Products[productId] = ("Back on sale", 10m);
        using var retried = await client.SendAsync(BuyNow("catalog-1", productId, 1), Ct);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
    }

    [Theory]
    [InlineData("""{"productId":"p-1","quantity":1,"price":1}""")]
    [InlineData("""{"productId":"p-1","quantity":1,"unitPrice":1}""")]
    [InlineData("""{"quantity":1}""")]
    [InlineData("""{"productId":"","quantity":1}""")]
    [InlineData("""{"productId":"p-1","quantity":0}""")]
    [InlineData("""{"productId":"p-1","quantity":-1}""")]
    [InlineData("""{"productId":"p-1","quantity":1000000}""")]
    [InlineData("""{"productId":"p-1","quantity":"one"}""")]
    [InlineData("""{"productId":5,"quantity":1}""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public async Task BuyNow_Answers400_WhenTheBodyIsInvalid(string body)
    {
        using var client = fixture.ClientFor(Buyer());

        using var response = await client.SendAsync(BuyNow("bad-body", body), Ct);

        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task BuyNow_Answers400WithoutAKey_And401ForAnonymous()
    {
        var productId = Product();
        using var signedIn = fixture.ClientFor(Buyer());
        using var anonymous = fixture.ClientFor(null);

        using var noKey = await signedIn.SendAsync(BuyNow(null, productId, 1), Ct);
        using var noUser = await anonymous.SendAsync(BuyNow("anon", productId, 1), Ct);

        await AssertProblem(noKey, HttpStatusCode.BadRequest);
        await AssertProblem(noUser, HttpStatusCode.Unauthorized);
    }
}
