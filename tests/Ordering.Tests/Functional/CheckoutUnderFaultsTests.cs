using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.Services;
using Flipkart.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Contract 4: when ordering's infrastructure fails (broker behind the outbox, actors, the sidecar itself) checkout
/// answers 503 ProblemDetails with Retry-After, stores no order, leaves the Idempotency-Key free, and the same request
/// retried afterwards creates exactly one order.
/// </summary>
[Functional]
public sealed class CheckoutUnderFaultsTests(OrderingApiFixture fixture) : IClassFixture<OrderingApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string UserWithCart(decimal price = 410m)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"fault-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Fault-tolerant kettle", price);
        fixture.Stubs.Carts[user] = [(productId, 1)];
        return user;
    }

    private static HttpRequestMessage Checkout(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private async Task SetBrokerFaultsAsync(string faults)
    {
        using var sidecar = new HttpClient { BaseAddress = fixture.Sidecar.HttpEndpoint };
        using var response = await sidecar.PutAsync("/embedded/pubsub/faults", new StringContent(faults), Ct);
        Assert.True(response.IsSuccessStatusCode, $"setting broker faults '{faults}': {(int)response.StatusCode}");
    }

    private static async Task<JsonObject> OrdersOfAsync(HttpClient client) => (await client.GetFromJsonAsync<JsonObject>("/api/orders", Ct))!;

    private static async Task<int> CountAsync(Func<int> probe, int atLeast)
    {
        // Generous deadline for a loaded machine; the condition, not the time, is what is asserted.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (probe() < atLeast && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }
        return probe();
    }

    [Fact]
    public async Task Checkout_Answers503WithRetryAfter_AndStoresNothing_WhenTheOutboxBrokerRefusesThePublish()
    {
        var user = UserWithCart();
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();
        var orderId = OrderService.OrderIdFor(user, key);

        await SetBrokerFaultsAsync("failPublishes=1");
        try
        {
            using var refused = await client.SendAsync(Checkout(key), Ct);
            await Outage.AssertAnswered503Async(refused);
        }
        finally
        {
            await SetBrokerFaultsAsync("");
        }

        // Nothing half-written: no order, nothing listed, nothing announced.
        using (var missing = await client.GetAsync($"/api/orders/{orderId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        Assert.Empty((await OrdersOfAsync(client))["items"]!.AsArray());

        // The key was released, not left "in progress": the same request now succeeds, once.
        using var retried = await client.SendAsync(Checkout(key), Ct);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal($"/api/orders/{orderId}", retried.Headers.Location?.ToString());
        using var replayed = await client.SendAsync(Checkout(key), Ct);
        Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());

        Assert.Single((await OrdersOfAsync(client))["items"]!.AsArray());
        int Submitted() => fixture.Stubs.OrderEvents.Count(e => (string?)e["type"] == "OrderSubmitted" && (string?)e["data"]?["orderId"] == orderId.ToString());
        Assert.Equal(1, await CountAsync(Submitted, atLeast: 1));
    }

    [Fact]
    public async Task Cancel_Answers503_WhenTheOutboxBrokerRefuses_AndTheRetryAnnouncesTheCancellationOnce()
    {
        var user = UserWithCart();
        using var client = fixture.ClientFor(user);
        using var placed = await client.SendAsync(Checkout(Guid.NewGuid().ToString()), Ct);
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>(Ct))!["orderId"]!;

        // More failures than the bounded ETag retries would spend: an outage must not be mistaken for a conflict.
        await SetBrokerFaultsAsync("failPublishes=50");
        try
        {
            using var refused = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);
            await Outage.AssertAnswered503Async(refused);
        }
        finally
        {
            await SetBrokerFaultsAsync("");
        }
        // The order's compare-and-swap comes first and only its winner publishes (F2, issue 13): the cancellation is
        // stored, its event is not out yet, and the retry (or any later touch of the order) re-emits it.
        Assert.Equal("Cancelled", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}", Ct))!["status"]!);

        using var cancelled = await client.PostAsync($"/api/orders/{orderId}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}", Ct))!["status"]!);
        int Announced() => fixture.Stubs.OrderEvents.Count(e => (string?)e["type"] == "OrderCancelled" && (string?)e["data"]?["orderId"] == orderId);
        Assert.Equal(1, await CountAsync(Announced, atLeast: 1));
    }

    [Fact]
    public async Task Checkout_Answers503_AndCreatesTheOrderOnRetry_WhenTheReservationTimersActorIsUnreachable()
    {
        var timer = new FlakyReservationTimer(failures: 1);
        await using var app = fixture.Factory.WithWebHostBuilder(web =>
            web.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<IReservationTimer>(timer))));
        var user = UserWithCart();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", user);
        var key = Guid.NewGuid().ToString();
        var orderId = OrderService.OrderIdFor(user, key);

        using (var refused = await client.SendAsync(Checkout(key), Ct))
        {
            await Outage.AssertAnswered503Async(refused);
        }
        using (var missing = await client.GetAsync($"/api/orders/{orderId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var retried = await client.SendAsync(Checkout(key), Ct);

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal($"/api/orders/{orderId}", retried.Headers.Location?.ToString());
        Assert.True(timer.Scheduled.ContainsKey(orderId), "the retry armed the reservation timer");
        Assert.Single((await OrdersOfAsync(client))["items"]!.AsArray());
    }

    [Fact]
    public async Task Checkout_Answers503_Not409_WhenTheStoreRefusesToRecordTheIdempotencyKey()
    {
        var faults = new DaprCallFaults();
        using var dapr = faults.CreateClient(fixture.Sidecar);
        await using var app = fixture.Factory.WithWebHostBuilder(web =>
            web.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton(dapr))));
        var user = UserWithCart();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", user);
        var key = Guid.NewGuid().ToString();

        // The key was free: a store that will not record it is an outage, not "another request holds this key".
        faults.Fail("SaveState");
        using (var refused = await client.SendAsync(Checkout(key), Ct))
        {
            await Outage.AssertAnswered503Async(refused);
        }
        faults.Heal();

        using var retried = await client.SendAsync(Checkout(key), Ct);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Single((await OrdersOfAsync(client))["items"]!.AsArray());
    }

    [Fact]
    public async Task OrderEndpoints_Answer503WithRetryAfter_WhenTheSidecarIsUnreachable()
    {
        await using var app = fixture.WithSidecarDown();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", UserWithCart());

        using (var checkout = await client.SendAsync(Checkout(Guid.NewGuid().ToString()), Ct))
        {
            await Outage.AssertAnswered503Async(checkout);
        }
        using (var list = await client.GetAsync("/api/orders", Ct))
        {
            await Outage.AssertAnswered503Async(list);
        }
        using (var one = await client.GetAsync($"/api/orders/{Guid.NewGuid()}", Ct))
        {
            await Outage.AssertAnswered503Async(one);
        }
    }

    [Fact]
    public async Task BadInput_StaysA4xx_WhileTheBrokerIsFailing()
    {
        using var client = fixture.ClientFor(UserWithCart());
        await SetBrokerFaultsAsync("failPublishes=1000");
        try
        {
            using var noKey = await client.PostAsJsonAsync("/api/orders", new { }, Ct);
            using var smuggled = await client.SendAsync(SmuggledTotal(), Ct);

            Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, smuggled.StatusCode);
        }
        finally
        {
            await SetBrokerFaultsAsync("");
        }

        static HttpRequestMessage SmuggledTotal()
        {
            var request = Checkout(Guid.NewGuid().ToString());
            request.Content = JsonContent.Create(new { total = 1 });
            return request;
        }
    }

    /// <summary>Fails the first calls the way the actor proxy does when the actor's host replica is gone.</summary>
    private sealed class FlakyReservationTimer(int failures) : IReservationTimer
    {
        private int failuresLeft = failures;

        public ConcurrentDictionary<Guid, DateTimeOffset> Scheduled { get; } = new();

        public Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                throw new DaprApiException("error invoke actor method: the replica hosting the actor did not answer", "ERR_ACTOR_INVOKE_METHOD", isTransient: false);
            }
            Scheduled[orderId] = dueAt;
            return Task.CompletedTask;
        }
    }
}
