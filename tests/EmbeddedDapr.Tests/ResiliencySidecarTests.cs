using System.Net;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>Resiliency policies applied by the sidecar to service invocation, observed by a caller over HTTP.</summary>
public sealed class ResiliencySidecarTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Resiliency(string targets, string scopes = "") => $$"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata: { name: invoke-policies }
        {{scopes}}
        spec:
          policies:
            timeouts:
              short: 200ms
            retries:
              transient:
                policy: constant
                duration: 1ms
                maxRetries: 2
                matching:
                  httpStatusCodes: "503"
            circuitBreakers:
              callee:
                maxRequests: 1
                timeout: 60s
                trip: consecutiveFailures > 1
          targets:
            apps:
              cart: {{targets}}
        """;

    private sealed class CartApp(Func<int, int> statusForCall, TimeSpan delay = default) : IAsyncDisposable
    {
        private int _calls;
        private SubscriberApp? _app;

        public int Calls => Volatile.Read(ref _calls);

        public Uri Url => _app!.Url;

        public async Task StartAsync() => _app = await SubscriberApp.StartAsync(
            (web, _) => web.MapGet("/api/cart", async (HttpContext context) =>
            {
                var call = Interlocked.Increment(ref _calls);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, context.RequestAborted);
                }

                return Results.StatusCode(statusForCall(call));
            }),
            useDaprAspNetCore: false);

        public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private static async Task<(EmbeddedDaprCluster Cluster, HttpClient Caller)> StartAsync(CartApp cart, string resiliency)
    {
        await cart.StartAsync();
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(resiliency);
        var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var cartSidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart", AppBaseUrl = cart.Url }, Ct);
        await cartSidecar.WaitForAppReadyAsync(Ct);
        var ordering = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" }, Ct);
        return (cluster, ordering.CreateHttpClient());
    }

    [Fact]
    public async Task Listed_status_codes_are_retried_until_the_app_recovers()
    {
        await using var cart = new CartApp(call => call < 3 ? 503 : 200);
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ retry: transient }"));
        await using var _ = cluster;
        using var __ = caller;

        var response = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, cart.Calls);
    }

    [Fact]
    public async Task When_retries_are_exhausted_the_apps_last_answer_is_passed_through()
    {
        await using var cart = new CartApp(_ => 503);
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ retry: transient }"));
        await using var _ = cluster;
        using var __ = caller;

        var response = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, cart.Calls);
    }

    [Fact]
    public async Task Unlisted_status_codes_are_not_retried()
    {
        await using var cart = new CartApp(_ => 500);
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ retry: transient }"));
        await using var _ = cluster;
        using var __ = caller;

        var response = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, cart.Calls);
    }

    [Fact]
    public async Task An_open_breaker_fails_fast_without_calling_the_app()
    {
        await using var cart = new CartApp(_ => 500);
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ circuitBreaker: callee }"));
        await using var _ = cluster;
        using var __ = caller;

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct)).StatusCode);
        }

        var refused = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("ERR_DIRECT_INVOKE", error.GetProperty("errorCode").GetString());
        Assert.Equal("failed to invoke, id: cart, err: circuit breaker is open", error.GetProperty("message").GetString());
        Assert.Equal(2, cart.Calls);
    }

    [Fact]
    public async Task A_timeout_ends_a_slow_call_with_err_direct_invoke()
    {
        await using var cart = new CartApp(_ => 200, delay: TimeSpan.FromSeconds(10));
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ timeout: short }"));
        await using var _ = cluster;
        using var __ = caller;

        var response = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("context deadline exceeded", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_document_scoped_to_other_apps_does_not_apply()
    {
        await using var cart = new CartApp(call => call < 3 ? 503 : 200);
        var (cluster, caller) = await StartAsync(cart, Resiliency("{ retry: transient }", "scopes: [gateway]"));
        await using var _ = cluster;
        using var __ = caller;

        var response = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, cart.Calls);
    }

    [Fact]
    public async Task An_invalid_resiliency_document_refuses_start_up()
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(Resiliency("{ retry: no-such-policy }"));

        var ex = await Assert.ThrowsAsync<DaprResourceException>(() => EmbeddedDaprCluster.StartAsync(options, Ct));

        Assert.Contains("unknown retry policy 'no-such-policy'", ex.Message);
    }
}
