using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flipkart.ReliabilityTests.Infrastructure;

namespace Flipkart.ReliabilityTests;

/// <summary>A generated corpus of malformed and hostile requests against every public endpoint.</summary>
public sealed partial class FaultScenarioTests
{
    private sealed record Probe(HttpMethod Method, string Path, string? Body, string? IdempotencyKey = null, string ContentType = "application/json")
    {
        /// <summary>A request line the web server itself refuses (a NUL in the path) before any application code
        /// runs: its bare 400 without a body is the expected answer.</summary>
        public bool RefusedByServer => Path.Contains("%00", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thousand_hostile_requests_get_no_5xx_only_problem_details_and_change_no_state()
    {
        // Victims with a known cart, order and product stock; the corpus is sent as them.
        var productId = await shop.NextProductAsync(Cancellation);
        using var admin = shop.Client($"admin-{Guid.NewGuid():N}", "admin");
        (await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{productId}") { Content = JsonContent.Create(new { available = 50 }) }, Cancellation)).Dispose();
        var victims = Enumerable.Range(0, 4).Select(i => $"victim-{Guid.NewGuid():N}").ToList();
        var clients = victims.Select(v => shop.Client(v)).ToList();
        foreach (var client in clients)
        {
            client.Timeout = ProbeTimeout;
            (await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Put, $"api/cart/items/{productId}") { Content = JsonContent.Create(new { quantity = 2 }) }, Cancellation)).Dispose();
        }
        var before = await SnapshotAsync(clients, admin, productId);

        var corpus = Corpus(productId).ToList();
        Assert.True(corpus.Count >= 1000, $"corpus has {corpus.Count} requests");

        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        var timings = new List<(TimeSpan Elapsed, string Probe)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var throttle = new SemaphoreSlim(8);
        await Task.WhenAll(corpus.Select(async (probe, i) =>
        {
            await throttle.WaitAsync(Cancellation);
            try
            {
                var started = clock.Elapsed;
                var (response, problem) = await SendProbeAsync(clients[i % clients.Count], probe);
                using (response)
                {
                    problem ??= await ShapeProblemAsync(response!, probe);
                    lock (failures)
                    {
                        timings.Add((clock.Elapsed - started, $"{probe.Method} {Shorten(probe.Path)} body {Shorten(probe.Body)}"));
                        if (response is not null)
                        {
                            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                        }
                        if (problem is not null)
                        {
                            failures.Add($"{probe.Method} {Shorten(probe.Path)} body {Shorten(probe.Body)} → {problem}");
                        }
                    }
                }
            }
            finally
            {
                throttle.Release();
            }
        }));
        var sending = clock.Elapsed;

        var after = await SnapshotAsync(clients, admin, productId);
        foreach (var client in clients)
        {
            client.Dispose();
        }
        TestContext.Current.SendDiagnosticMessage(HttpExtensions.Invariant($"hostile corpus: {corpus.Count} requests in {sending.TotalSeconds:0.0}s, statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; slowest: {string.Join("; ", timings.OrderByDescending(t => t.Elapsed).Take(5).Select(t => $"{t.Elapsed.TotalSeconds:0.0}s {t.Probe}"))}"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} answers broke the rules:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(25))}");
        Assert.Equal(before, after);
    }

    /// <summary>A hostile request waits for no outage to pass: any answer is judged as it is; only 429 is retried (the
    /// victims share the per-user limit), and a request that gets no answer in time is a failure, not a retry.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);

    private static async Task<(HttpResponseMessage? Response, string? Problem)> SendProbeAsync(HttpClient client, Probe probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var started = DateTime.UtcNow;
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(Build(probe), Cancellation);
            }
            catch (TaskCanceledException) when (!Cancellation.IsCancellationRequested)
            {
                return (null, HttpExtensions.Invariant($"no answer within {ProbeTimeout.TotalSeconds:0} s"));
            }
            catch (HttpRequestException e)
            {
                return (null, HttpExtensions.Invariant($"connection failed after {(DateTime.UtcNow - started).TotalSeconds:0.0} s: {e.Message}"));
            }
            if (response.StatusCode != HttpStatusCode.TooManyRequests || DateTime.UtcNow >= deadline)
            {
                return (response, null);
            }
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, Cancellation);
        }
    }

    /// <summary>Why an answer breaks the rules (a 5xx, a 2xx to a hostile request, a 4xx that is no ProblemDetails), or null.</summary>
    private static async Task<string?> ShapeProblemAsync(HttpResponseMessage response, Probe probe)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        if (probe.RefusedByServer && status == 400 && body.Length == 0)
        {
            return null;
        }
        if (status >= 500)
        {
            return $"{status} {Shorten(body)}";
        }
        if (status < 400)
        {
            // Reads may succeed, and removing a line that is not in the cart is a no-op; the state check covers both.
            return response.RequestMessage?.Method == HttpMethod.Get || response.RequestMessage?.Method == HttpMethod.Delete ? null : $"accepted with {status}: {Shorten(body)}";
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Shorten(body)}";
        }
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var ok = root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
                && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.GetInt32() == status
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String;
            var leaks = body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal);
            return ok && !leaks ? null : $"{status} ProblemDetails without type/title/status or with internals: {Shorten(body)}";
        }
        catch (JsonException)
        {
            return $"{status} with a body that is not JSON: {Shorten(body)}";
        }
    }

    private static string Shorten(string? text) => text is null ? "-" : text.Length <= 160 ? text : text[..160] + $"…({text.Length} chars)";

    private static HttpRequestMessage Build(Probe probe)
    {
        var request = new HttpRequestMessage(probe.Method, probe.Path);
        if (probe.Body is not null)
        {
            request.Content = new StringContent(probe.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(probe.ContentType);
            // A body over the gateway's limit is refused from its declared length; waiting for that answer before
            // sending the body keeps the client from writing into a connection the server is already closing.
            request.Headers.ExpectContinue = probe.Body.Length > 64 * 1024;
        }
        if (probe.IdempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", probe.IdempotencyKey);
        }
        return request;
    }

    private async Task<string> SnapshotAsync(List<HttpClient> clients, HttpClient admin, string productId)
    {
        var parts = new List<string>();
        foreach (var client in clients)
        {
            using var cart = await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/cart"), Cancellation);
            var lines = (await cart.JsonAsync(Cancellation)).GetProperty("lines");
            parts.Add(string.Join(",", lines.EnumerateArray().Select(l => $"{l.GetProperty("productId").GetString()}×{l.GetProperty("quantity").GetInt32()}@{l.GetProperty("unitPrice").GetDecimal()}")));
            using var orders = await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/orders"), Cancellation);
            parts.Add((await orders.JsonAsync(Cancellation)).GetProperty("totalCount").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var stock = await admin.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{productId}"), Cancellation);
        parts.Add((await stock.JsonAsync(Cancellation)).GetRawText());
        return string.Join(" | ", parts);
    }

    /// <summary>Every public endpoint × hostile values: bad JSON, wrong types, limits, huge and control-character strings, smuggled fields.</summary>
    private static IEnumerable<Probe> Corpus(string productId)
    {
        var megabyte = new string('a', 1024 * 1024);
        var unknownProduct = "no-such-product-" + Guid.NewGuid().ToString("N")[..8];
        string[] badJson = ["", "{", "}", "[", "null", "[]", "\"text\"", "42", "{\"quantity\":}", "{\"quantity\":1,}", "{'quantity':1}", "{\"quantity\":1}{", "\u0000", "{\"a\":" + new string('[', 200) + new string(']', 200) + "}", "<xml/>", "{\"quantity\":1e400}"];
        string[] numbers = ["0", "-1", "-2147483648", "11", "2147483647", "2147483648", "9223372036854775808", "1.5", "-0.0", "1e3", "NaN", "\"1\"", "true", "null", "[]", "{}"];
        string[] smuggled = ["price", "unitPrice", "status", "userId", "total", "id", "role", "sold", "reserved", "paymentId"];
        string[] strings = [megabyte, "\u0000\u0001\u001b[31m", "<script>alert(1)</script>", "'; DROP TABLE orders; --", "${jndi:ldap://x}", "../../etc/passwd", "\ud83d\ude00", new string('x', 5000)];
        string[] badIds = ["%2e%2e", "..%2f..%2fdapr", "%00", "%0d%0aSet-Cookie:x=1", new string('z', 300), "'or'1'='1", "%3Cscript%3E", "-1", "0", "%F0%9F%98%80", "a%20b", "$", "%25"];
        string[] badGuids = ["not-a-guid", "00000000-0000-0000-0000-000000000000", Guid.NewGuid().ToString(), "1", "%00", new string('f', 300), "../" + Guid.NewGuid()];

        // Cart: quantities that are invalid, or valid only for a product that does not exist.
        foreach (var n in numbers)
        {
            yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":{n}}}");
            yield return new(HttpMethod.Put, $"api/cart/items/{unknownProduct}", $"{{\"quantity\":{n}}}");
            foreach (var field in smuggled)
            {
                yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":1,\"{field}\":{n}}}");
            }
        }
        foreach (var body in badJson)
        {
            yield return new(HttpMethod.Put, $"api/cart/items/{productId}", body);
            if (body is not ("" or "null"))
            {
                // A checkout's body is optional: an empty or null one with a valid key is a real checkout, not hostile.
                yield return new(HttpMethod.Post, "api/orders", body, Guid.NewGuid().ToString());
            }
            yield return new(HttpMethod.Put, $"api/inventory/{productId}", body);
            yield return new(HttpMethod.Post, "api/catalog/products/batch", body);
            yield return new(HttpMethod.Put, $"api/catalog/products/{productId}", body);
            yield return new(HttpMethod.Post, "api/auth/dev-token", body);
        }
        foreach (var s in strings)
        {
            var json = JsonSerializer.Serialize(s);
            yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":{json}}}");
            yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":1,\"note\":{json}}}");
            yield return new(HttpMethod.Post, "api/orders", $"{{\"deliveryAddress\":{json},\"total\":1}}", Guid.NewGuid().ToString());
            yield return new(HttpMethod.Post, "api/catalog/products/batch", $"{{\"ids\":[{json}]}}");
            yield return new(HttpMethod.Post, "api/auth/dev-token", $"{{\"userId\":{json},\"roles\":[\"admin\"],\"extra\":1}}");
            yield return new(HttpMethod.Get, $"api/catalog/products?q={Uri.EscapeDataString(s.Length > 5000 ? s[..5000] : s)}", null);
        }
        foreach (var field in smuggled)
        {
            foreach (var value in new[] { "0", "1", "\"Confirmed\"", "\"admin\"", "-100", "null" })
            {
                yield return new(HttpMethod.Post, "api/orders", $"{{\"{field}\":{value}}}", Guid.NewGuid().ToString());
                yield return new(HttpMethod.Post, "api/orders", $"{{\"deliveryAddress\":\"x\",\"{field}\":{value}}}", Guid.NewGuid().ToString());
                yield return new(HttpMethod.Put, $"api/inventory/{productId}", $"{{\"available\":1,\"{field}\":{value}}}");
            }
        }
        foreach (var n in numbers)
        {
            foreach (var field in smuggled)
            {
                yield return new(HttpMethod.Post, "api/orders", $"{{\"deliveryAddress\":\"x\",\"{field}\":{n}}}", Guid.NewGuid().ToString());
            }
            foreach (var path in new[] { "api/orders", "api/notifications", "api/catalog/products" })
            {
                yield return new(HttpMethod.Get, $"{path}?page={Uri.EscapeDataString(n)}", null);
                yield return new(HttpMethod.Get, $"{path}?pageSize={Uri.EscapeDataString(n)}", null);
            }
        }
        foreach (var s in strings)
        {
            foreach (var field in smuggled)
            {
                yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":1,\"{field}\":{JsonSerializer.Serialize(s)}}}");
            }
        }
        foreach (var id in badIds)
        {
            yield return new(HttpMethod.Put, $"api/cart/items/{id}", "{\"quantity\":1}");
            if (id != "%2e%2e")
            {
                // Encoded dots are dots (RFC 3986): DELETE api/cart/items/%2e%2e is DELETE api/cart, clearing one's own cart.
                yield return new(HttpMethod.Delete, $"api/cart/items/{id}", null);
            }
            yield return new(HttpMethod.Get, $"api/catalog/products/{id}", null);
            yield return new(HttpMethod.Get, $"api/inventory/{id}", null);
            yield return new(HttpMethod.Put, $"api/inventory/{id}", "{\"available\":1}");
            yield return new(HttpMethod.Put, $"api/catalog/products/{id}", "{}");
        }
        foreach (var id in badGuids)
        {
            yield return new(HttpMethod.Get, $"api/orders/{id}", null);
            yield return new(HttpMethod.Post, $"api/orders/{id}/cancel", null);
            yield return new(HttpMethod.Post, $"api/orders/{id}/cancel", "{\"status\":\"Cancelled\"}");
            yield return new(HttpMethod.Get, $"api/orders/{id}/events", null);
            yield return new(HttpMethod.Get, $"api/payments/orders/{id}", null);
        }
        foreach (var value in new[] { "0", "-1", "abc", "2147483648", "1000000", "1e3", "%00", "1.5", "" })
        {
            foreach (var path in new[] { "api/orders", "api/notifications", "api/catalog/products" })
            {
                yield return new(HttpMethod.Get, $"{path}?page={value}", null);
                yield return new(HttpMethod.Get, $"{path}?pageSize={value}", null);
            }
            yield return new(HttpMethod.Get, $"api/catalog/products?minPrice={value}&maxPrice=-{value}", null);
            yield return new(HttpMethod.Get, $"api/catalog/products?minRating={value}", null);
            yield return new(HttpMethod.Get, $"api/catalog/products?sort={value}x", null);
        }
        // Keys and content types.
        foreach (var key in new[] { "", " ", new string('k', 256), new string('k', 5000) })
        {
            yield return new(HttpMethod.Post, "api/orders", "{}", key);
        }
        yield return new(HttpMethod.Post, "api/orders", "{}");
        foreach (var type in new[] { "text/plain", "application/xml", "multipart/form-data", "application/x-www-form-urlencoded" })
        {
            yield return new(HttpMethod.Put, $"api/cart/items/{productId}", "{\"quantity\":1}", ContentType: type);
            yield return new(HttpMethod.Post, "api/orders", "{}", Guid.NewGuid().ToString(), type);
            yield return new(HttpMethod.Put, $"api/inventory/{productId}", "{\"available\":1}", ContentType: type);
        }
        // Bodies over the gateway's limit.
        yield return new(HttpMethod.Put, $"api/cart/items/{productId}", $"{{\"quantity\":1,\"pad\":\"{megabyte}\"}}");
        yield return new(HttpMethod.Post, "api/orders", $"{{\"deliveryAddress\":\"{megabyte}\"}}", Guid.NewGuid().ToString());
    }
}
