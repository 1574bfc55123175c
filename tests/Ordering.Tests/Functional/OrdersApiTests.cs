using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

[Functional]
public sealed class OrdersApiTests(OrderingApiFixture fixture) : IClassFixture<OrderingApiFixture>
{
    private static int nextProduct;

    /// <summary>A fresh user with a cart of the given (price, quantity) lines; products are registered in the catalog stub.</summary>
    private string UserWithCart(params (decimal Price, int Quantity)[] lines)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var items = new List<(string, int)>();
        foreach (var (price, quantity) in lines)
        {
            var productId = $"p{Interlocked.Increment(ref nextProduct)}";
            fixture.Stubs.Products[productId] = ($"Product {productId}", price);
            items.Add((productId, quantity));
        }
        fixture.Stubs.Carts[user] = items;
        return user;
    }

    private static HttpRequestMessage Checkout(string? key, string body = "{}", string? contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = contentType is null ? null : new(contentType);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return request;
    }

    private static async Task<JsonObject> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json(response);
        Assert.Equal((int)status, (int)problem["status"]!);
    }

    [Fact]
    public async Task Checkout_Answers202WithLocation_PricedFromCatalogNotFromTheCart()
    {
        var user = UserWithCart((499.50m, 2), (100m, 1));
        using var client = fixture.ClientFor(user);

        using var response = await client.SendAsync(Checkout("k1", """{"deliveryAddress":"12 MG Road, Bengaluru"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Json(response);
        var orderId = (string)accepted["orderId"]!;
        Assert.Equal("Submitted", (string)accepted["status"]!);
        Assert.Equal(1099m, (decimal)accepted["total"]!);
        Assert.Equal($"/api/orders/{orderId}", response.Headers.Location?.ToString());

        var order = await Json(await client.GetAsync(response.Headers.Location, TestContext.Current.CancellationToken));
        Assert.Equal("Submitted", (string)order["status"]!);
        Assert.Equal("12 MG Road, Bengaluru", (string)order["deliveryAddress"]!);
        Assert.Equal(2, order["lines"]!.AsArray().Count);
        Assert.Contains(order["lines"]!.AsArray(), l => (decimal)l!["unitPrice"]! == 499.50m && (int)l["quantity"]! == 2);
        Assert.Equal("Submitted", (string)order["timeline"]![0]!["status"]!);
        Assert.True(fixture.Timers.Scheduled.ContainsKey(Guid.Parse(orderId)), "the reservation timer was armed");
    }

    [Fact]
    public async Task Checkout_ReplaysTheFirstResponse_ForTheSameKeyAndBody()
    {
        var user = UserWithCart((250m, 1));
        using var client = fixture.ClientFor(user);

        using var first = await client.SendAsync(Checkout("same-key"), TestContext.Current.CancellationToken);
        using var second = await client.SendAsync(Checkout("same-key"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var mine = await Json(await client.GetAsync("/api/orders", TestContext.Current.CancellationToken));
        Assert.Single(mine["items"]!.AsArray());
    }

    [Fact]
    public async Task Checkout_AnswersWithTheCommittedOrder_WhenTheFirstAttemptDiedBeforeRecordingItsResponse()
    {
        var user = UserWithCart((250m, 1));
        using var client = fixture.ClientFor(user);
        using var first = await client.SendAsync(Checkout("crashy"), TestContext.Current.CancellationToken);
        // What a crash between the order commit and the idempotency completion leaves: an order and no response record.
        using (var dapr = fixture.Sidecar.CreateDaprClient())
        {
            await dapr.DeleteStateAsync("order-store", Flipkart.Ordering.Infrastructure.StateKeys.Idempotency(user, "crashy"), cancellationToken: TestContext.Current.CancellationToken);
        }

        using var retry = await client.SendAsync(Checkout("crashy"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Single((await Json(await client.GetAsync("/api/orders", TestContext.Current.CancellationToken)))["items"]!.AsArray());
    }

    [Fact]
    public async Task Checkout_Answers422_WhenTheKeyIsReusedWithAnotherBody()
    {
        var user = UserWithCart((250m, 1));
        using var client = fixture.ClientFor(user);
        using var first = await client.SendAsync(Checkout("reused", """{"deliveryAddress":"A"}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var second = await client.SendAsync(Checkout("reused", """{"deliveryAddress":"B"}"""), TestContext.Current.CancellationToken);

        await AssertProblem(second, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Checkout_Answers409_WhileTheFirstRequestIsStillRunning()
    {
        var user = UserWithCart((250m, 1));
        using var client = fixture.ClientFor(user);
        var gate = fixture.Stubs.CartGates[user] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = fixture.Stubs.CartGateReached[user] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = client.SendAsync(Checkout("slow"), TestContext.Current.CancellationToken);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        using var second = await client.SendAsync(Checkout("slow"), TestContext.Current.CancellationToken);
        gate.SetResult();
        fixture.Stubs.CartGates.TryRemove(user, out _);
        using var firstResponse = await first;

        await AssertProblem(second, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Accepted, firstResponse.StatusCode);
    }

    [Fact]
    public async Task Checkout_Answers400_WithoutAnIdempotencyKey()
    {
        using var client = fixture.ClientFor(UserWithCart((250m, 1)));
        using var response = await client.SendAsync(Checkout(key: null), TestContext.Current.CancellationToken);
        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Checkout_AcceptsTheDraftsQuotedKeyForm()
    {
        using var client = fixture.ClientFor(UserWithCart((250m, 1)));
        using var response = await client.SendAsync(Checkout("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Checkout_Answers422_WhenTheCartIsEmpty_AndLeavesTheKeyReusable()
    {
        var user = UserWithCart();
        using var client = fixture.ClientFor(user);

        using var empty = await client.SendAsync(Checkout("after-fix"), TestContext.Current.CancellationToken);
        await AssertProblem(empty, HttpStatusCode.UnprocessableEntity);

        fixture.Stubs.Products["p-late"] = ("Late", 10m);
        fixture.Stubs.Carts[user] = [("p-late", 1)];
        using var retried = await client.SendAsync(Checkout("after-fix"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
    }

    [Fact]
    public async Task Checkout_Answers503_WhenTheCartServiceFails_AndLeavesTheKeyReusable()
    {
        var user = UserWithCart((250m, 1));
        using var client = fixture.ClientFor(user);
        fixture.Stubs.CartFailures[user] = true;

        using var failed = await client.SendAsync(Checkout("dependency"), TestContext.Current.CancellationToken);
        fixture.Stubs.CartFailures.TryRemove(user, out _);
        using var retried = await client.SendAsync(Checkout("dependency"), TestContext.Current.CancellationToken);

        await AssertProblem(failed, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
    }

    [Fact]
    public async Task Checkout_Answers422_WhenACartProductIsNoLongerInTheCatalog()
    {
        var user = UserWithCart((250m, 1));
        fixture.Stubs.Carts[user].Add(("p-gone", 1));
        using var client = fixture.ClientFor(user);

        using var response = await client.SendAsync(Checkout("gone"), TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("""{"price": 1}""")]
    [InlineData("""{"total": 1}""")]
    [InlineData("""{"status": "Confirmed"}""")]
    [InlineData("""{"lines": [{"productId": "p1", "unitPrice": 0.01, "quantity": 1}]}""")]
    public async Task Checkout_RejectsClientSuppliedPricesAndStatus(string body)
    {
        using var client = fixture.ClientFor(UserWithCart((250m, 1)));
        using var response = await client.SendAsync(Checkout($"mass-{Guid.NewGuid():N}", body), TestContext.Current.CancellationToken);
        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Checkout_Answers413_ForAnOversizeBody()
    {
        using var client = fixture.ClientFor(UserWithCart((250m, 1)));
        var body = JsonSerializer.Serialize(new { deliveryAddress = new string('x', 10_000) });
        using var response = await client.SendAsync(Checkout("big", body), TestContext.Current.CancellationToken);
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheOrderEndpoints_ButNotTheSubscriptions()
    {
        using var client = fixture.ClientFor(userId: null);
        var document = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Contains("\"/api/orders\"", document);
        Assert.Contains("\"/api/orders/{orderId}/cancel\"", document);
        Assert.DoesNotContain("integration-events", document);
    }

    [Fact]
    public async Task Checkout_Answers401_ForAnonymousCallers()
    {
        using var client = fixture.ClientFor(userId: null);
        using var response = await client.SendAsync(Checkout("anon"), TestContext.Current.CancellationToken);
        await AssertProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnotherUsersOrder_IsNotFound_ForReadAndCancel()
    {
        using var owner = fixture.ClientFor(UserWithCart((250m, 1)));
        using var placed = await owner.SendAsync(Checkout("mine"), TestContext.Current.CancellationToken);
        using var stranger = fixture.ClientFor($"stranger-{Guid.NewGuid():N}");

        using var read = await stranger.GetAsync(placed.Headers.Location, TestContext.Current.CancellationToken);
        using var cancel = await stranger.PostAsync($"{placed.Headers.Location}/cancel", null, TestContext.Current.CancellationToken);

        await AssertProblem(read, HttpStatusCode.NotFound);
        await AssertProblem(cancel, HttpStatusCode.NotFound);
        using var missing = await owner.GetAsync($"/api/orders/{Guid.NewGuid()}", TestContext.Current.CancellationToken);
        await AssertProblem(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnAdmin_CanReadAnyOrder_ButCannotCancelIt()
    {
        using var owner = fixture.ClientFor(UserWithCart((250m, 1)));
        using var placed = await owner.SendAsync(Checkout("admin-visible"), TestContext.Current.CancellationToken);
        using var admin = fixture.ClientFor($"ops-{Guid.NewGuid():N}", roles: "admin");

        using var read = await admin.GetAsync(placed.Headers.Location, TestContext.Current.CancellationToken);
        using var cancel = await admin.PostAsync($"{placed.Headers.Location}/cancel", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        await AssertProblem(cancel, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancel_CancelsAnUnpaidOrder_AndIsIdempotent()
    {
        using var client = fixture.ClientFor(UserWithCart((250m, 1)));
        using var placed = await client.SendAsync(Checkout("to-cancel"), TestContext.Current.CancellationToken);

        using var first = await client.PostAsync($"{placed.Headers.Location}/cancel", null, TestContext.Current.CancellationToken);
        using var second = await client.PostAsync($"{placed.Headers.Location}/cancel", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var order = await Json(second);
        Assert.Equal("Cancelled", (string)order["status"]!);
        Assert.Equal("CancelledByUser", (string)order["cancellationReason"]!);
        Assert.Equal(2, order["timeline"]!.AsArray().Count);
    }

    [Fact]
    public async Task GetMyOrders_PagesNewestFirst_AndShowsOnlyMine()
    {
        var user = UserWithCart((10m, 1));
        using var client = fixture.ClientFor(user);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var placed = await client.SendAsync(Checkout($"page-{i}"), TestContext.Current.CancellationToken);
            ids.Add((string)(await Json(placed))["orderId"]!);
        }
        using var other = fixture.ClientFor(UserWithCart((10m, 1)));
        using var _ = await other.SendAsync(Checkout("other"), TestContext.Current.CancellationToken);

        var page1 = await Json(await client.GetAsync("/api/orders?page=1&pageSize=2", TestContext.Current.CancellationToken));
        var page2 = await Json(await client.GetAsync("/api/orders?page=2&pageSize=2", TestContext.Current.CancellationToken));

        Assert.Equal(3, (int)page1["totalCount"]!);
        Assert.Equal([ids[2], ids[1]], page1["items"]!.AsArray().Select(o => (string)o!["orderId"]!));
        Assert.Equal([ids[0]], page2["items"]!.AsArray().Select(o => (string)o!["orderId"]!));
        using var badPage = await client.GetAsync("/api/orders?pageSize=1000", TestContext.Current.CancellationToken);
        await AssertProblem(badPage, HttpStatusCode.BadRequest);
    }
}
