using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>Two ordering replicas (two sidecars with app-id <c>ordering</c>) over one cluster's state, pub/sub and actors.</summary>
public sealed class TwoReplicasFixture : OrderingApiFixture
{
    protected override int ReplicaCount => 2;

    protected override bool UseActorReservationTimer => true;
}

[Functional]
public sealed class TwoReplicasTests(TwoReplicasFixture fixture) : IClassFixture<TwoReplicasFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string UserWithCart()
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"rep-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Replicated", 75m);
        fixture.Stubs.Carts[user] = [(productId, 2)];
        return user;
    }

    private static HttpRequestMessage Checkout(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { deliveryAddress = "Pune" }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task OneIdempotencyKey_SentToBothReplicasAtOnce_CreatesOneOrder()
    {
        var user = UserWithCart();
        var clients = new[] { fixture.ClientFor(0, user), fixture.ClientFor(1, user) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => clients[i % 2].SendAsync(Checkout("shared-key"), Ct)));
        // Whoever lost the race while the winner was running got 409; asking again now replays the winner.
        using var settled = await clients[1].SendAsync(Checkout("shared-key"), Ct);

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
        var locations = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(r => r.Headers.Location).Distinct().ToList();
        Assert.Single(locations);
        Assert.Equal(locations[0], settled.Headers.Location);
        var mine = await clients[0].GetFromJsonAsync<JsonObject>("/api/orders", Ct);
        Assert.Single(mine!["items"]!.AsArray());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task AnOrderPlacedOnOneReplica_IsReadAndCancelledOnTheOther()
    {
        var user = UserWithCart();
        using var first = fixture.ClientFor(0, user);
        using var second = fixture.ClientFor(1, user);

        using var placed = await first.SendAsync(Checkout(Guid.NewGuid().ToString()), Ct);
        using var cancelled = await second.PostAsync($"{placed.Headers.Location}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var order = await first.GetFromJsonAsync<JsonObject>(placed.Headers.Location, Ct);
        Assert.Equal("Cancelled", (string)order!["status"]!);
        Assert.Equal(150m, (decimal)order["total"]!);
    }
}
