using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>OWASP API Security Top 10 (2023) probes through the gateway, plus app ↔ sidecar trust.</summary>
public sealed partial class FaultScenarioTests
{
    [Fact]
    public async Task API1_another_users_cart_order_notifications_and_stream_are_not_found()
    {
        var productId = await shop.NextProductAsync(Cancellation);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        (await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = 5 }) }, Cancellation)).Dispose();
        var ownerId = $"owner-{Guid.NewGuid():N}";
        using var owner = shop.Client(ownerId);
        using var thief = shop.Client($"thief-{Guid.NewGuid():N}");
        (await owner.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = JsonContent.Create(new { quantity = 1 }) }, Cancellation)).Dispose();
        using var placed = await owner.SendWithRetriesAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", "api1-" + ownerId);
            return request;
        }, Cancellation);
        var orderId = (await placed.JsonAsync(Cancellation)).GetProperty("orderId").GetString();

        foreach (var path in new[] { $"api/orders/{orderId}", $"api/orders/{orderId}/events" })
        {
            using var response = await thief.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, path), Cancellation);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using (var cancel = await thief.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Post, $"api/orders/{orderId}/cancel"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        }

        // Claiming the owner's identity in headers changes nothing: the gateway stamps identity from the token.
        Func<string, HttpRequestMessage> spoofed = path =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-User-Id", ownerId);
            request.Headers.Add("X-User-Roles", "admin");
            return request;
        };
        using (var cart = await thief.SendWithRetriesAsync(() => spoofed("api/cart"), Cancellation))
        {
            var body = await cart.Content.ReadAsStringAsync(Cancellation);
            Assert.DoesNotContain(productId, body, StringComparison.Ordinal);
        }
        using (var orders = await thief.SendWithRetriesAsync(() => spoofed("api/orders"), Cancellation))
        {
            Assert.DoesNotContain(orderId!, await orders.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        }
        using (var notes = await thief.SendWithRetriesAsync(() => spoofed("api/notifications"), Cancellation))
        {
            Assert.DoesNotContain(orderId!, await notes.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        }
        using (var order = await thief.SendWithRetriesAsync(() => spoofed($"api/orders/{orderId}"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.NotFound, order.StatusCode);
        }
    }

    [Fact]
    public async Task API2_missing_forged_expired_and_misaddressed_tokens_are_401()
    {
        var user = $"api2-{Guid.NewGuid():N}";
        var wrongKey = Encoding.UTF8.GetBytes("an-attackers-own-key-of-at-least-32-bytes!!");
        string?[] tokens =
        [
            null,
            Tokens.Create(user, "customer", algorithm: "none"),
            Tokens.Create(user, "admin", algorithm: "none"),
            Tokens.Create(user, "customer", key: wrongKey),
            Tokens.Create(user, "customer", lifetime: TimeSpan.FromMinutes(-10)),
            Tokens.Create(user, "customer", audience: "someone-else"),
            "not.a.jwt",
            "",
        ];
        foreach (var token in tokens)
        {
            foreach (var path in new[] { "api/cart", "api/orders", "api/notifications" })
            {
                using var client = shop.Client(null);
                using var response = await client.SendWithRetriesAsync(() =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, path);
                    if (token is not null)
                    {
                        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
                    }
                    return request;
                }, Cancellation);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path} with token '{token}': {(int)response.StatusCode}");
            }
        }
        // The control: the same user with a proper token is let in.
        using var good = shop.Client(user);
        using var ok = await good.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/orders"), Cancellation);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task API3_mass_assignment_is_refused_and_responses_carry_no_internal_fields()
    {
        var productId = await shop.NextProductAsync(Cancellation);
        using var buyer = shop.Client($"api3-{Guid.NewGuid():N}");
        foreach (var body in new[] { "{\"quantity\":1,\"unitPrice\":1}", "{\"quantity\":1,\"price\":0.01}", "{\"quantity\":1,\"userId\":\"someone\"}" })
        {
            using var response = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, Cancellation);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        using (var line = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = JsonContent.Create(new { quantity = 1 }) }, Cancellation))
        {
            await line.JsonAsync(Cancellation);
        }
        foreach (var body in new[] { "{\"total\":1}", "{\"status\":\"Confirmed\"}", "{\"userId\":\"someone\"}", "{\"lines\":[{\"productId\":\"x\",\"quantity\":1,\"unitPrice\":0}]}" })
        {
            using var response = await buyer.SendWithRetriesAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                return request;
            }, Cancellation);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using var cart = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/cart"), Cancellation);
        using var product = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/catalog/products/{productId}"), Cancellation);
        foreach (var text in new[] { await cart.Content.ReadAsStringAsync(Cancellation), await product.Content.ReadAsStringAsync(Cancellation) })
        {
            foreach (var field in new[] { "\"etag\"", "\"_", "\"password\"", "\"secret\"", "\"daprApiToken\"", "\"internal" })
            {
                Assert.DoesNotContain(field, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task API4_oversized_bodies_huge_pages_and_floods_are_refused()
    {
        using var buyer = shop.Client($"api4-{Guid.NewGuid():N}");
        using (var big = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, "api/cart/items/x") { Content = new StringContent($"{{\"quantity\":1,\"pad\":\"{new string('a', 200_000)}\"}}", Encoding.UTF8, "application/json") }, Cancellation))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        }
        foreach (var path in new[] { "api/orders?pageSize=100000", "api/notifications?pageSize=100000", "api/catalog/products?pageSize=100000" })
        {
            using var page = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, path), Cancellation);
            if (page.StatusCode == HttpStatusCode.OK)
            {
                var size = (await page.JsonAsync(Cancellation)).GetProperty("pageSize").GetInt32();
                Assert.True(size <= 100, $"{path} served a page of {size}");
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
            }
        }

        // Per user: one token flooding is cut off with 429 + Retry-After (limit 400 per 10 s in this run).
        Assert.True(await FloodAsync(buyer, 480), "one user's 480 requests in a burst were never limited");
        // Per IP: anonymous requests from one address (the gateway's own limit, 100 per 10 s by default).
        using var anonymous = shop.Client(null);
        Assert.True(await FloodAsync(anonymous, 160), "160 anonymous requests from one IP in a burst were never limited");
    }

    private static async Task<bool> FloodAsync(HttpClient client, int requests)
    {
        var limited = 0;
        using var throttle = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            await throttle.WaitAsync(Cancellation);
            try
            {
                using var response = await client.GetAsync("api/catalog/categories", Cancellation);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Assert.NotNull(response.Headers.RetryAfter);
                    Interlocked.Increment(ref limited);
                }
            }
            finally
            {
                throttle.Release();
            }
        }));
        // The next test must not inherit an exhausted window: wait until this caller is served again, not a fixed time.
        await Eventually(async () =>
        {
            using var probe = await client.GetAsync("api/catalog/categories", Cancellation);
            return probe.StatusCode != HttpStatusCode.TooManyRequests;
        }, "the flood's rate-limit window to pass");
        return limited > 0;
    }

    [Fact]
    public async Task API5_customers_calling_admin_endpoints_get_403()
    {
        var productId = await shop.NextProductAsync(Cancellation);
        using var customer = shop.Client($"api5-{Guid.NewGuid():N}");
        var probes = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Put, $"api/inventory/{productId}", "{\"available\":100000}"),
            (HttpMethod.Get, $"api/payments/orders/{Guid.NewGuid()}", null),
            (HttpMethod.Put, $"api/catalog/products/{productId}", "{\"price\":1}"),
            (HttpMethod.Get, $"api/fulfilment/admin/workflows/{Guid.NewGuid()}", null),
        };
        foreach (var (method, path, body) in probes)
        {
            using var response = await customer.SendWithRetriesAsync(() => new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") }, Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task API6_a_per_user_purchase_cap_on_flash_sale_SKUs_is_enforced_server_side()
    {
        var productId = await shop.NextProductAsync(Cancellation);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        using (var set = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = 10, perUserLimit = 1 }) }, Cancellation))
        {
            await set.JsonAsync(Cancellation);
        }
        var before = await StockOfAsync(admin, productId);
        using var buyer = shop.Client($"api6-{Guid.NewGuid():N}");

        // Three units at once: over the cap, refused by inventory's reservation, nothing held.
        var tooMany = await OrderAndSettleAsync(buyer, productId, 3);
        Assert.Equal(("Cancelled", "PurchaseLimitExceeded"), tooMany);
        // One unit: within the cap.
        Assert.Equal(("Confirmed", (string?)null), await OrderAndSettleAsync(buyer, productId, 1));
        // One more unit in a second order: the cap counts what the buyer already bought.
        Assert.Equal(("Cancelled", "PurchaseLimitExceeded"), await OrderAndSettleAsync(buyer, productId, 1));

        // Concurrent: another buyer fires two checkouts of one unit at once; the cap lets exactly one through.
        using var racer = shop.Client($"api6-racer-{Guid.NewGuid():N}");
        await SetCartLineAsync(racer, productId, 1);
        var raced = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PlaceAsync(racer)));
        var outcomes = await Task.WhenAll(raced.Select(id => SettleAsync(racer, id)));
        Assert.Equal(1, outcomes.Count(o => o.Outcome == "Confirmed"));
        Assert.Equal(1, outcomes.Count(o => o == ("Cancelled", "PurchaseLimitExceeded")));

        // Conserved: two units sold, none left reserved, the rest back on the shelf. The last OrderConfirmed reaches
        // inventory through ordering's outbox relay (at least a second after the order turned Confirmed), so the
        // stock settles a moment after the orders do.
        await Eventually(async () => (await StockOfAsync(admin, productId)).Reserved == before.Reserved, "inventory to settle the confirmed units");
        var after = await StockOfAsync(admin, productId);
        Assert.Equal(before.Total, after.Total);
        Assert.Equal((before.Available - 2, before.Reserved, before.Sold + 2), (after.Available, after.Reserved, after.Sold));
    }

    private static async Task<Stock> StockOfAsync(HttpClient admin, string productId)
    {
        using var response = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{productId}"), Cancellation, retryServerErrors: true);
        var json = await response.JsonAsync(Cancellation);
        return new Stock(json.GetProperty("available").GetInt32(), json.GetProperty("reserved").GetInt32(), json.GetProperty("sold").GetInt32());
    }

    /// <summary>Sets the product's cart line to <paramref name="quantity"/> units (the only line: one product per test), orders and waits for the outcome.</summary>
    private static async Task<(string Outcome, string? Reason)> OrderAndSettleAsync(HttpClient buyer, string productId, int quantity)
    {
        await SetCartLineAsync(buyer, productId, quantity);
        var outcome = await SettleAsync(buyer, await PlaceAsync(buyer));
        if (outcome.Outcome == "Confirmed")
        {
            // A confirmed order clears the cart asynchronously; the next line must be set after that, or the clearing wipes it.
            await Eventually(async () =>
            {
                using var cart = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/cart"), Cancellation, retryServerErrors: true);
                return (await cart.JsonAsync(Cancellation)).GetProperty("lines").GetArrayLength() == 0;
            }, "the cart to be cleared after a confirmed order");
        }
        return outcome;
    }

    private static async Task SetCartLineAsync(HttpClient buyer, string productId, int quantity)
    {
        using var line = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = JsonContent.Create(new { quantity }) }, Cancellation);
        await line.JsonAsync(Cancellation);
    }

    private static async Task<Guid> PlaceAsync(HttpClient buyer)
    {
        var key = Guid.NewGuid().ToString();
        using var placed = await buyer.SendWithRetriesAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }, Cancellation);
        return (await placed.JsonAsync(Cancellation)).GetProperty("orderId").GetGuid();
    }

    /// <summary>Waits for the saga's outcome (ordering's <c>outcome</c>; the delivery timeline moves on from Confirmed meanwhile).</summary>
    private static async Task<(string Outcome, string? Reason)> SettleAsync(HttpClient buyer, Guid orderId)
    {
        (string Outcome, string? Reason) outcome = ("", null);
        await Eventually(async () =>
        {
            using var response = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}"), Cancellation, retryServerErrors: true);
            var order = await response.JsonAsync(Cancellation);
            outcome = (order.GetProperty("outcome").GetString()!,
                order.TryGetProperty("cancellationReason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null);
            return outcome.Outcome is "Confirmed" or "Cancelled";
        }, $"order {orderId} to be final");
        return outcome;
    }

    /// <summary>Polls until true; the deadline is generous because the machine may be shared and loaded.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 2 min for {what}");
            await Task.Delay(250, Cancellation);
        }
    }

    [Fact]
    public async Task API8_errors_show_no_internals_and_every_answer_has_security_headers()
    {
        using var buyer = shop.Client($"api8-{Guid.NewGuid():N}");
        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Get, "api/catalog/categories", null),
            (HttpMethod.Put, "api/cart/items/x", "{\"quantity\":"),
            (HttpMethod.Get, "api/nothing-here", null),
            (HttpMethod.Get, $"api/orders/{Guid.NewGuid()}", null),
        })
        {
            using var response = await buyer.SendWithRetriesAsync(() => new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") }, Cancellation);
            var text = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.False(response.Headers.Contains("Server"), $"{path}: Server header {string.Join(",", response.Headers.TryGetValues("Server", out var s) ? s : [])}");
            Assert.False(response.Headers.Contains("X-Powered-By"));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public async Task API8_error_answers_carry_no_stack_traces()
    {
        // The system runs as in production (ShopFixture), so this is what a client there would read.
        var productId = await shop.NextProductAsync(Cancellation);
        using var buyer = shop.Client($"api8-{Guid.NewGuid():N}");
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        using var anonymous = shop.Client(null);
        var probes = new (HttpClient Client, HttpMethod Method, string Path, string? Body)[]
        {
            (buyer, HttpMethod.Put, $"api/cart/items/{productId}", "{\"quantity\":"),
            (buyer, HttpMethod.Put, $"api/cart/items/{productId}", "{\"quantity\":\"many\"}"),
            (buyer, HttpMethod.Put, $"api/cart/items/{productId}", "{\"quantity\":99999999999}"),
            (buyer, HttpMethod.Post, "api/orders", "{\"deliveryAddress\":"),
            (buyer, HttpMethod.Post, "api/catalog/products/batch", "[1,"),
            (buyer, HttpMethod.Get, "api/orders/not-a-guid", null),
            (buyer, HttpMethod.Get, "api/catalog/products?page=abc", null),
            (admin, HttpMethod.Put, $"api/inventory/{productId}", "{\"available\":[]}"),
            (admin, HttpMethod.Put, $"api/catalog/products/{productId}", "{\"price\":{}"),
            (anonymous, HttpMethod.Post, "api/auth/dev-token", "{\"userId\":"),
        };
        foreach (var (client, method, path, body) in probes)
        {
            using var response = await client.SendWithRetriesAsync(() =>
            {
                var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                return request;
            }, Cancellation);
            var text = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            foreach (var leak in new[] { "exception", "exceptionDetails", "stackTrace" })
            {
                Assert.False(problem.RootElement.TryGetProperty(leak, out _), $"{method} {path}: ProblemDetails has '{leak}': {text}");
            }
            foreach (var leak in new[] { "   at ", "Exception", ".cs:line", "System.Private", "Microsoft.AspNetCore" })
            {
                Assert.False(text.Contains(leak, StringComparison.Ordinal), $"{method} {path}: answer holds '{leak}': {text}");
            }
        }
    }

    [Fact]
    public async Task API9_only_documented_routes_are_reachable_dapr_actor_and_sidecar_apis_are_not()
    {
        using var anonymous = shop.Client(null);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        foreach (var path in new[] { "dapr/subscribe", "dapr/config", "actors/StockActor/x/method/Reserve", "v1.0/state/order-store/x", "v1.0/invoke/ordering/method/api/orders",
            "v1.0/metadata", "v1.0/publish/pubsub/orders", "v1.0-alpha1/publish/bulk/pubsub/orders", "DAPR/subscribe", "embedded/pubsub/faults", "integration/orders/order-submitted", "healthz/../dapr/config" })
        {
            foreach (var client in new[] { anonymous, admin })
            {
                using var response = await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, path), Cancellation);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET /{path}: {(int)response.StatusCode}");
                using var put = await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("duplicate=5") }, Cancellation);
                Assert.True(put.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"PUT /{path}: {(int)put.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task Services_refuse_callers_other_than_their_sidecar()
    {
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // The public apps (gateway, storefront) are reached by clients directly and authenticate them themselves.
        foreach (var replica in shop.Run.Replicas.Where(r => !LocalRun.IsPublicApp(r.AppId)))
        {
            foreach (var token in new[] { null, "guessed-token" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(replica.AppUrl, replica.AppId == "catalog" ? "api/catalog/categories" : "dapr/subscribe"));
                request.Headers.Add("X-User-Id", "someone");
                if (token is not null)
                {
                    request.Headers.Add("dapr-api-token", token);
                }
                using var response = await direct.SendAsync(request, Cancellation);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{replica.Name} answered {(int)response.StatusCode} to a direct call with token '{token}'");
            }
            using var health = await direct.GetAsync(new Uri(replica.AppUrl, "healthz"), Cancellation);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }
}
