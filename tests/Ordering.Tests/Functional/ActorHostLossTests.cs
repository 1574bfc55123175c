using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Finding 1 with the real actor runtime: two ordering replicas share placement, then one replica's app dies while its
/// sidecar still holds its share of the reservation-timer actors. Checkouts on the live replica must never answer 500:
/// either the runtime moves the timer (202), or ordering reports the unreachable actor as 503 with Retry-After and the
/// retried key ends with exactly one order. (Which of the two happens depends on how fast placement reacts; the
/// 503 mapping itself is pinned by <see cref="CheckoutUnderFaultsTests"/>.)
/// </summary>
[Functional]
public sealed class ActorHostLossTests(TwoReplicasFixture fixture) : IClassFixture<TwoReplicasFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Checkouts_NeverAnswer500_WhenTheReplicaHostingTheirTimersDies_AndEachKeyEndsWithOneOrder()
    {
        var user = $"user-{Guid.NewGuid():N}";
        var productId = $"host-loss-{Guid.NewGuid():N}";
        fixture.Stubs.Products[productId] = ("Orphaned timer", 120m);
        fixture.Stubs.Carts[user] = [(productId, 1)];
        using var live = fixture.ClientFor(0, user);

        // The second replica's app is gone; its sidecar is not told (as after kill -9, before the probes notice).
        await fixture.Replicas[1].DisposeAsync();

        // Placement spreads new actors over both replicas, so some of these timers land on the dead one.
        var keys = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid().ToString()).ToList();
        var answers = new List<HttpStatusCode>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        foreach (var key in keys)
        {
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(new { }) };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await live.SendAsync(request, Ct);
                answers.Add(response.StatusCode);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"key {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                    break;
                }
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var wait = Assert.IsType<TimeSpan>(response.Headers.RetryAfter?.Delta);
                await Task.Delay(wait, Ct);
            }
        }

        Assert.All(answers, status => Assert.Contains(status, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        var mine = await live.GetFromJsonAsync<JsonObject>("/api/orders", Ct);
        Assert.Equal(keys.Count, mine!["items"]!.AsArray().Count);
        TestContext.Current.SendDiagnosticMessage($"answers while the timer host was gone: {string.Join(", ", answers.Select(a => (int)a))}");
    }
}
