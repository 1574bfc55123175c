using System.Net;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary><c>middleware.http.ratelimit</c> wired through a Configuration into a running sidecar.</summary>
public class RateLimitSidecarTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RateLimit(string rate, string name = "ratelimit") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: middleware.http.ratelimit
          version: v1
          metadata:
          - name: maxRequestsPerSecond
            value: "{rate}"
        """;

    private static string Configuration(string pipeline, params string[] handlers) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata:
          name: appconfig
        spec:
          {pipeline}:
            handlers:
        {string.Concat(handlers.Select(h => $"      - name: {h}\n        type: middleware.http.ratelimit\n"))}
        """;

    private static async Task<EmbeddedDaprCluster> StartAsync(params string[] yaml)
    {
        var options = new EmbeddedDaprClusterOptions { TimeProvider = new FakeTimeProvider() };
        foreach (var document in yaml)
        {
            options.ResourceYaml.Add(document);
        }

        return await EmbeddedDaprCluster.StartAsync(options, Ct);
    }

    [Fact]
    public async Task The_http_pipeline_limits_the_sidecars_http_api_but_not_its_grpc_api()
    {
        await using var cluster = await StartAsync(RateLimit("2"), Configuration("httpPipeline", "ratelimit"));
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "gateway" }, Ct);
        using var http = sidecar.CreateHttpClient();
        using var dapr = sidecar.CreateDaprClient();

        using var first = await http.GetAsync("/v1.0/metadata", Ct);
        using var second = await http.GetAsync("/v1.0/metadata", Ct);
        using var limited = await http.GetAsync("/v1.0/metadata", Ct);
        var overGrpc = await dapr.GetMetadataAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", limited.Content.Headers.ContentType?.ToString());
        Assert.Equal("You have reached maximum request limit.", await limited.Content.ReadAsStringAsync(Ct));
        Assert.Equal("gateway", overGrpc.Id);
    }

    [Fact]
    public async Task The_app_http_pipeline_limits_calls_into_the_app_and_the_caller_sees_the_429()
    {
        await using var app = await TestApp.StartAsync("orders");
        await using var cluster = await StartAsync(RateLimit("1"), Configuration("appHttpPipeline", "ratelimit"));
        var target = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering", AppBaseUrl = app.Url }, Ct);
        var caller = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "gateway" }, Ct);
        await target.WaitForAppReadyAsync(Ct);
        var before = app.Requests.Count(r => r.PathAndQuery.StartsWith("/echo", StringComparison.Ordinal));
        using var http = caller.CreateHttpClient();

        using var first = await http.PostAsync("/v1.0/invoke/ordering/method/echo/a", new StringContent("one"), Ct);
        using var limited = await http.PostAsync("/v1.0/invoke/ordering/method/echo/b", new StringContent("two"), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("You have reached maximum request limit.", await limited.Content.ReadAsStringAsync(Ct));
        Assert.Equal(before + 1, app.Requests.Count(r => r.PathAndQuery.StartsWith("/echo", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_pipeline_handler_naming_a_component_that_is_not_loaded_is_skipped()
    {
        await using var cluster = await StartAsync(Configuration("httpPipeline", "absent"));
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "gateway" }, Ct);
        using var http = sidecar.CreateHttpClient();

        for (var i = 0; i < 150; i++)
        {
            using var response = await http.GetAsync("/v1.0/healthz/outbound", Ct);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task A_ratelimit_component_with_a_non_positive_rate_fails_start_up(string rate)
    {
        var ex = await Assert.ThrowsAsync<DaprResourceException>(() => StartAsync(RateLimit(rate)));

        Assert.Equal(
            "[INIT_COMPONENT_FAILURE]: initialization error occurred for ratelimit (middleware.http.ratelimit/v1): metadata property maxRequestsPerSecond must be a positive value",
            ex.Message);
    }
}
