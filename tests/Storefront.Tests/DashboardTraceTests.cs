using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.DevHost.Dashboard;
using Flipkart.Storefront.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Flipkart.Storefront.Tests;

/// <summary>
/// The trace of one checkout, as a developer finds it: the order is placed through the gateway of a DevHost run, the
/// run's Aspire dashboard (in Debian's Chromium) opens that trace, and it holds spans of the gateway, ordering,
/// inventory, payment and notification and of each one's sidecar (service invocation, the outbox's event, every
/// delivery) — one trace. Screenshots: TestResults/dashboard-screenshots (docs/img has a copy).
/// </summary>
[Collection(StorefrontCollection.Name)]
public sealed class DashboardTraceTests
{
    private static readonly string[] Services = ["gateway", "ordering", "inventory", "payment", "notification"];

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-screenshots");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_checkout_through_the_gateway_is_one_trace_in_the_dashboard_with_every_service_and_its_sidecar()
    {
        if (!File.Exists(StorefrontFixture.ChromiumPath))
        {
            Assert.Skip($"{StorefrontFixture.ChromiumPath} is not installed (apt-get install chromium); the browser tests need Debian's Chromium.");
        }
        if (AspireDashboard.Executable() is null)
        {
            Assert.Skip("The Aspire dashboard ships for linux-x64 only (Aspire.Dashboard.Sdk.linux-x64); this machine has none.");
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Directory.CreateDirectory(ScreenshotFolder);

        var output = new TestOutputLog();
        await using var run = await LocalRun.StartAsync(new LocalRunOptions
        {
            RepositoryRoot = StorefrontFixture.RepositoryRoot,
            DynamicPorts = true,
            GatewayPort = 0,
            ExcludedApps = [LocalRun.StorefrontAppId],
            Dashboard = true,
            Output = output,
        }, Cancellation);
        var dashboard = run.Dashboard!;

        var admin = Flipkart.Testing.DevSigningKeyTokens.Create(StorefrontFixture.RepositoryRoot, run.Profile, $"admin-{Guid.NewGuid():N}", "admin");
        var traceId = await CheckoutTrace.PlaceOrderAsync(run.GatewayUrl, admin, Cancellation);
        var spans = await CheckoutTrace.WaitForSpansAsync(dashboard.Url, traceId, Services, Cancellation);
        foreach (var service in Services)
        {
            Assert.True(spans.Any(s => s.Service == service && !s.IsSidecar), $"no span of the {service} app in trace {traceId}: {CheckoutTrace.Describe(spans)}");
            Assert.True(spans.Any(s => s.Service == $"{service}-dapr" && s.IsSidecar), $"no span of {service}'s sidecar in trace {traceId}: {CheckoutTrace.Describe(spans)}");
        }
        // daprd's span names: the gateway's invocation of ordering, and the deliveries that carry the saga on.
        Assert.Contains(spans, s => s.IsSidecar && s.Name.StartsWith("CallLocal/ordering/", StringComparison.Ordinal));
        foreach (var (sidecar, span) in CheckoutTrace.SagaDeliveries)
        {
            Assert.True(spans.Any(s => s.Service == sidecar && s.Name == span), $"no {span} span of {sidecar} in trace {traceId}: {CheckoutTrace.Describe(spans)}");
        }
        // One tree: below the gateway every span's parent is in the trace (the gateway's own roots hang off the test's
        // client span, once per attempt when a loaded machine made the client ask again).
        var detached = CheckoutTrace.Detached(spans);
        Assert.True(detached.Count == 0, $"spans whose parent is not in trace {traceId}: {CheckoutTrace.Describe(detached)}");

        // The same trace as a person sees it: the traces page, then the checkout's trace.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = StorefrontFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        page.SetDefaultTimeout(60_000);

        // The traces page lists the checkout as one row (its cell's title names the trace id), tagged with every
        // resource that has spans in it: the services and their sidecars.
        await page.GotoAsync(new Uri(dashboard.Url, "/traces").ToString());
        var row = page.Locator($"[role=row]:has([role=gridcell][title*='{traceId}'])");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 120_000 });
        foreach (var resource in Services.SelectMany(s => new[] { s, $"{s}-dapr" }))
        {
            // (a tag the row has no room for also sits in its "+n" overflow list, so it may be there twice)
            await Assertions.Expect(row.Locator($".trace-service-tag[title^='{resource} spans']").First).ToBeAttachedAsync();
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-traces.png") });

        // Its page (the row's own link target) shows the waterfall: the gateway's request, its sidecar's invocation of
        // ordering, and on.
        await page.GotoAsync(new Uri(dashboard.Url, $"/traces/detail/{traceId}").ToString());
        await Assertions.Expect(page.GetByText("CallLocal/ordering/api/orders").First).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-checkout-trace.png") });
    }
}

/// <summary>A checkout through the gateway under a trace id of the test's choosing, and its spans as the dashboard has them.</summary>
internal static class CheckoutTrace
{
    public sealed record Span(string Service, string Scope, string Name, string SpanId, string ParentSpanId)
    {
        public bool IsSidecar => Scope.StartsWith("dapr-diagnostics", StringComparison.Ordinal);
    }

    /// <summary>
    /// Signs a buyer in, stocks a product as <paramref name="admin"/> (dev tokens never carry admin), fills a cart and
    /// places the order with a <c>traceparent</c>; returns its trace id.
    /// </summary>
    public static async Task<string> PlaceOrderAsync(Uri gateway, string admin, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        async Task<string> TokenAsync(string user, string role)
        {
            using var response = await http.PostAsJsonAsync("api/auth/dev-token", new { userId = user, roles = new[] { role } }, cancellationToken);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
        }
        var buyer = await TokenAsync($"buyer-{Guid.NewGuid():N}", "customer");

        string productId;
        using (var search = await http.GetAsync("api/catalog/products?q=samsung%20phone&pageSize=1", cancellationToken))
        {
            search.EnsureSuccessStatusCode();
            var page = await search.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            productId = page.GetProperty("items")[0].GetProperty("id").GetString()!;
        }
        await SendAsync(http, HttpMethod.Put, $"api/inventory/{productId}", admin, new { available = 10 }, cancellationToken);
        await SendAsync(http, HttpMethod.Put, $"api/cart/items/{productId}", buyer, new { quantity = 1 }, cancellationToken);

        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var key = Guid.NewGuid().ToString();
        // As a client is told to: "in progress" (409 with Retry-After, e.g. a retried hop on a loaded machine) is asked
        // again with the same key until the order's answer is there. Every attempt carries the same trace id.
        for (var attempt = 1; ; attempt++)
        {
            using var place = new HttpRequestMessage(HttpMethod.Post, "api/orders") { Content = JsonContent.Create(new { }) };
            place.Headers.Authorization = new AuthenticationHeaderValue("Bearer", buyer);
            place.Headers.Add("Idempotency-Key", key);
            place.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var placed = await http.SendAsync(place, cancellationToken);
            if (placed.StatusCode == HttpStatusCode.Conflict && placed.Headers.RetryAfter is not null && attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }
            Assert.True(placed.StatusCode == HttpStatusCode.Accepted, $"placing the order: {(int)placed.StatusCode} {await placed.Content.ReadAsStringAsync(cancellationToken)}");
            return traceId;
        }
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string token, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>The deliveries that carry the checkout's saga on, by the sidecar that delivers them and daprd's span name.</summary>
    public static readonly IReadOnlyList<(string Sidecar, string Span)> SagaDeliveries =
        [("inventory-dapr", "pubsub/orders"), ("payment-dapr", "pubsub/inventory"), ("ordering-dapr", "pubsub/payments")];

    /// <summary>Polls the dashboard until the trace has app and sidecar spans of every service (the saga is asynchronous).</summary>
    public static async Task<IReadOnlyList<Span>> WaitForSpansAsync(Uri dashboard, string traceId, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = dashboard, Timeout = TimeSpan.FromSeconds(10) };
        IReadOnlyList<Span> spans = [];
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            spans = await ReadAsync(http, traceId, cancellationToken);
            // Complete once every service and sidecar is in, the saga's deliveries the test names are in, and every
            // span's parent has arrived too (a span is exported when it ends, so a delivery's span comes after the spans
            // of the work the app did inside it). Each delivery by its receiving sidecar: a topic reaches several apps,
            // and another app's delivery of it may be exported first.
            if (services.All(s => spans.Any(x => x.Service == $"{s}-dapr" && x.IsSidecar) && spans.Any(x => x.Service == s && !x.IsSidecar))
                && SagaDeliveries.All(d => spans.Any(x => x.Service == d.Sidecar && x.Name == d.Span)) && Detached(spans).Count == 0)
            {
                return spans;
            }
            await Task.Delay(500, cancellationToken);
        }
        return spans;
    }

    /// <summary>The trace's spans from the telemetry API (OTLP JSON: resourceSpans → scopeSpans → spans).</summary>
    public static async Task<IReadOnlyList<Span>> ReadAsync(HttpClient http, string traceId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/telemetry/traces/{traceId}", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var data = json.TryGetProperty("data", out var d) ? d : json;
        var spans = new List<Span>();
        foreach (var resource in data.GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault() ?? "";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.TryGetProperty("scope", out var s) && s.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    if (!string.Equals(span.GetProperty("traceId").GetString(), traceId, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    spans.Add(new Span(service, scopeName, span.GetProperty("name").GetString() ?? "", span.GetProperty("spanId").GetString() ?? "",
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() ?? "" : ""));
                }
            }
        }
        return spans;
    }

    /// <summary>Spans below the gateway whose parent is not in the trace (the gateway's own roots hang off the client).</summary>
    public static IReadOnlyList<Span> Detached(IReadOnlyList<Span> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return spans.Where(s => s.ParentSpanId.Length > 0 && !ids.Contains(s.ParentSpanId) && s.Service is not ("gateway" or "gateway-dapr")).ToList();
    }

    public static string Describe(IEnumerable<Span> spans) =>
        string.Join("; ", spans.Select(s => $"{s.Service}{(s.IsSidecar ? " (sidecar)" : "")}: {s.Name}"));
}
