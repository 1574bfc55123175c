using System.Net;
using System.Text;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// What daprd's circuit breakers count as a failure: every error the guarded operation returns. For service
/// invocation that includes any app answer outside 200-399 (4xx too); for a state store, ETag conflicts too (daprd
/// marks them permanent so they are not retried, but the breaker still sees the error).
/// </summary>
public sealed class ResiliencyBreakerAccountingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_4xx_answer_from_the_callee_counts_toward_its_breaker()
    {
        var calls = 0;
        await using var cart = await SubscriberApp.StartAsync(
            (web, _) => web.MapGet("/api/cart", () =>
            {
                Interlocked.Increment(ref calls);
                return Results.NotFound();
            }),
            useDaprAspNetCore: false);
        var warnings = new WarningLog();
        var options = new EmbeddedDaprClusterOptions { LoggerFactory = warnings };
        options.ResourceYaml.Add("""
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: callee-breaker }
            spec:
              policies:
                circuitBreakers:
                  callee: { maxRequests: 1, timeout: 300s, trip: consecutiveFailures > 1 }
              targets:
                apps:
                  cart: { circuitBreaker: callee }
            """);
        await using var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var cartSidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart", AppBaseUrl = cart.Url }, Ct);
        await cartSidecar.WaitForAppReadyAsync(Ct);
        var ordering = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" }, Ct);
        using var caller = ordering.CreateHttpClient();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct)).StatusCode);
        }
        using var refused = await caller.GetAsync("/v1.0/invoke/cart/method/api/cart", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Contains("circuit breaker is open", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(2, Volatile.Read(ref calls));
        // As daprd logs a breaker's state changes, the sidecar says which breaker opened and on what failure.
        var opened = Assert.Single(warnings.Messages, m => m.Contains("circuit breaker 'callee' opened", StringComparison.Ordinal));
        Assert.Contains("ordering's sidecar, app cart", opened, StringComparison.Ordinal);
        Assert.Contains("the last failure: answered 404", opened, StringComparison.Ordinal);
    }

    /// <summary>The sidecars' warnings, as text.</summary>
    private sealed class WarningLog : ILoggerFactory, ILoggerProvider, ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task An_etag_conflict_counts_toward_the_store_breaker()
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: store }
            spec: { type: state.in-memory, version: v1 }
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata: { name: store-breaker }
            spec:
              policies:
                circuitBreakers:
                  store: { maxRequests: 1, timeout: 300s, trip: consecutiveFailures > 1 }
              targets:
                components:
                  store: { outbound: { circuitBreaker: store } }
            """);
        await using var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification" }, Ct);
        using var http = sidecar.CreateHttpClient();
        using (var created = await http.PostAsync("/v1.0/state/store", Json("""[{"key":"k","value":1}]"""), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);
        }

        for (var i = 0; i < 2; i++)
        {
            using var conflict = await http.PostAsync("/v1.0/state/store", Json("""[{"key":"k","value":2,"etag":"not-the-etag"}]"""), Ct);
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }
        using var read = await http.GetAsync("/v1.0/state/store/k", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, read.StatusCode);
        Assert.Contains("circuit breaker is open", await read.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
