using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>The edge as deployed (Production, an identity provider, a proxy in front) and the sidecars' topic scopes.</summary>
public sealed partial class FaultScenarioTests
{
    [Fact]
    public async Task A_dev_token_is_refused_by_a_production_gateway_which_has_no_dev_token_endpoint()
    {
        var user = $"dev-{Guid.NewGuid():N}";
        using var anonymous = shop.Client(null);

        using var endpoint = await anonymous.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/auth/dev-token")
        {
            Content = JsonContent.Create(new { userId = user, roles = new[] { "admin" } }),
        }, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, endpoint.StatusCode);

        // Exactly what a Development gateway's /api/auth/dev-token hands out (HS256, the profile's signing key).
        foreach (var role in new[] { "customer", "admin" })
        {
            using var response = await anonymous.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/orders")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Tokens.DevToken(user, role)) },
            }, Cancellation);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using var proper = shop.Client(user);
        using var ok = await proper.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/orders"), Cancellation);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Two_hundred_anonymous_requests_of_one_client_behind_the_proxy_do_not_throttle_another_client()
    {
        // Addresses from TEST-NET-2, as the ingress reports them in X-Forwarded-For; the proxy itself is this test on loopback.
        var (greedy, other) = ($"198.51.100.{Random.Shared.Next(1, 120)}", $"198.51.100.{Random.Shared.Next(130, 250)}");
        using var client = shop.Client(null);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.SendAsync(Forwarded(greedy), Cancellation);
            statuses.Add(response.StatusCode);
        }
        using var second = await client.SendAsync(Forwarded(other), Cancellation);
        using var proxyItself = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/catalog/categories"), Cancellation);

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, proxyItself.StatusCode);

        static HttpRequestMessage Forwarded(string address)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "api/catalog/categories");
            request.Headers.Add("X-Forwarded-For", address);
            return request;
        }
    }

    [Fact]
    public async Task A_sidecar_refuses_a_publish_outside_its_apps_topic_scopes()
    {
        var cart = shop.Run.Replicas.First(r => r.AppId == "cart");
        using var sidecar = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cart.DaprHttpPort}") };
        var forged = JsonSerializer.Serialize(new { orderId = Guid.NewGuid(), userId = "victim" });

        foreach (var topic in new[] { "orders", "payments", "inventory", "catalog" })
        {
            using var response = await sidecar.PostAsync($"v1.0/publish/pubsub/{topic}?metadata.cloudevent.type=OrderConfirmed",
                new StringContent(forged, Encoding.UTF8, "application/json"), Cancellation);
            var body = await response.Content.ReadAsStringAsync(Cancellation);

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"cart publishing to {topic}: {(int)response.StatusCode} {body}");
            Assert.Equal("ERR_PUBSUB_FORBIDDEN", JsonDocument.Parse(body).RootElement.GetProperty("errorCode").GetString());
        }
    }
}

/// <summary>
/// Payment is stopped by the test, so an order waits at StockReserved (not final) until its reservation expires in half
/// an hour, and its status streams stay open however slowly the machine runs.
/// </summary>
public sealed class PaymentDownShop : ShopFixture
{
    protected override Dictionary<string, Dictionary<string, string>> Settings => new()
    {
        ["ordering"] = new() { ["OrderingOptions__ReservationTimeout"] = "00:30:00" },
    };
}

[Collection(SystemLanes.Others)]
public sealed class StreamCapProbeTests(PaymentDownShop shop) : IClassFixture<PaymentDownShop>
{
    private const int MaxStreamsPerUser = 10;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    // Bounded: a stream held back somewhere fails the probe instead of hanging the suite.
    [Fact(Timeout = 300_000)]
    public async Task An_eleventh_concurrent_order_status_stream_of_one_user_is_refused_with_429()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var productId = await shop.NextProductAsync(Cancellation);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        (await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = 5 }) }, Cancellation)).Dispose();
        await shop.Run.KillAsync("payment");
        var userId = $"streams-{Guid.NewGuid():N}";
        using var buyer = shop.Client(userId);
        using var placed = await buyer.SendWithRetriesAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/orders/buy-now") { Content = JsonContent.Create(new { productId, quantity = 1 }) };
            request.Headers.Add("Idempotency-Key", "streams-" + userId);
            return request;
        }, Cancellation);
        var orderId = (await placed.JsonAsync(Cancellation)).GetProperty("orderId").GetString();

        var streams = new List<HttpResponseMessage>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < MaxStreamsPerUser; i++)
            {
                // A stream answers with its current status at once; a minute without headers is a stream held back somewhere.
                using var opening = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                opening.CancelAfter(TimeSpan.FromMinutes(1));
                var stream = await buyer.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events"), HttpCompletionOption.ResponseHeadersRead, opening.Token);
                TestContext.Current.TestOutputHelper?.WriteLine($"stream {i + 1}: {(int)stream.StatusCode} after {clock.Elapsed.TotalSeconds:0.0} s");
                streams.Add(stream);
                // Only a refused stream has a body to show: an open one never ends.
                if (stream.StatusCode != HttpStatusCode.OK)
                {
                    Assert.Fail($"stream {i + 1}: {(int)stream.StatusCode} {await stream.Content.ReadAsStringAsync(cancellation)}");
                }
                Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
            }

            using (var eleventh = await buyer.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events"), HttpCompletionOption.ResponseHeadersRead, Cancellation))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
                Assert.Equal("application/problem+json", eleventh.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(eleventh.Headers.RetryAfter);
            }

            // Another user is not affected, and a closed stream frees its slot.
            using (var other = await shop.Client($"other-{Guid.NewGuid():N}").SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events"), HttpCompletionOption.ResponseHeadersRead, Cancellation))
            {
                Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            }
            streams[0].Dispose();
            streams.RemoveAt(0);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpStatusCode again;
            do
            {
                var retry = await buyer.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events"), HttpCompletionOption.ResponseHeadersRead, Cancellation);
                again = retry.StatusCode;
                if (again == HttpStatusCode.OK)
                {
                    streams.Add(retry);
                    break;
                }
                retry.Dispose();
                await Task.Delay(200, Cancellation);
            }
            while (DateTime.UtcNow < deadline);
            Assert.Equal(HttpStatusCode.OK, again);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }
    }
}
