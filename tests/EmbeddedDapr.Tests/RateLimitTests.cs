using System.Net;
using Flipkart.EmbeddedDapr.Middleware;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

public class RateLimitTests
{
    private static MiddlewareComponent RateLimit(string name, string? rate) =>
        new(name, "middleware.http.ratelimit", rate is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["maxRequestsPerSecond"] = rate });

    private static HttpPipeline Pipeline(FakeTimeProvider time, string rate = "2") =>
        HttpPipeline.Build(
            [new PipelineHandler("ratelimit", "middleware.http.ratelimit")],
            name => name == "ratelimit" ? RateLimit("ratelimit", rate) : null,
            time);

    private static async Task<(int Status, string? ContentType, string Body, IHeaderDictionary Headers)> Send(RequestDelegate app, string ip, string? forwardedFor = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = ip.Length == 0 ? null : IPAddress.Parse(ip);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        var body = new MemoryStream();
        context.Response.Body = body;
        await app(context);
        return (context.Response.StatusCode, context.Response.ContentType, System.Text.Encoding.UTF8.GetString(body.ToArray()), context.Response.Headers);
    }

    private static readonly RequestDelegate Ok = context =>
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    [Fact]
    public async Task Requests_beyond_the_burst_get_429_with_daprds_body()
    {
        var app = Pipeline(new FakeTimeProvider()).Wrap(Ok);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        var limited = await Send(app, "10.0.0.1");
        Assert.Equal(429, limited.Status);
        Assert.Equal("text/plain; charset=utf-8", limited.ContentType);
        Assert.Equal("You have reached maximum request limit.", limited.Body);
        Assert.Equal("2.00", limited.Headers["X-Rate-Limit-Limit"]);
        Assert.Equal("1", limited.Headers["X-Rate-Limit-Duration"]);
    }

    [Fact]
    public async Task Each_client_ip_has_its_own_bucket()
    {
        var app = Pipeline(new FakeTimeProvider(), rate: "1").Wrap(Ok);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(200, (await Send(app, "10.0.0.2")).Status);
        Assert.Equal(200, (await Send(app, "::ffff:10.0.0.3")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.3")).Status);
    }

    [Fact]
    public async Task Forwarded_for_identifies_the_client_when_there_is_no_remote_address()
    {
        var app = Pipeline(new FakeTimeProvider(), rate: "1").Wrap(Ok);
        Assert.Equal(200, (await Send(app, "", "192.0.2.1, 10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "", "192.0.2.1")).Status);
        Assert.Equal(200, (await Send(app, "", "192.0.2.2")).Status);
        Assert.Equal(200, (await Send(app, "")).Status);
        Assert.Equal(429, (await Send(app, "")).Status);
    }

    [Fact]
    public async Task Tokens_refill_at_the_configured_rate()
    {
        var time = new FakeTimeProvider();
        var app = Pipeline(time, rate: "2").Wrap(Ok);
        await Send(app, "10.0.0.1");
        await Send(app, "10.0.0.1");
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
    }

    [Fact]
    public async Task A_fractional_rate_has_a_burst_of_one()
    {
        var time = new FakeTimeProvider();
        var app = Pipeline(time, rate: "0.5").Wrap(Ok);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_non_positive_rate_is_an_init_error(string rate)
    {
        var ex = Assert.Throws<RateLimitConfigurationException>(() => HttpPipeline.ValidateComponent(RateLimit("ratelimit", rate)));
        Assert.Equal("metadata property maxRequestsPerSecond must be a positive value", ex.Message);
    }

    [Fact]
    public void A_missing_rate_defaults_to_100()
    {
        var limiter = RateLimiter.FromMetadata(new Dictionary<string, string>());
        Assert.Equal(100, limiter.MaxRequestsPerSecond);
        Assert.Equal(100, limiter.Burst);
    }

    [Fact]
    public async Task A_handler_naming_a_missing_component_is_skipped()
    {
        var pipeline = HttpPipeline.Build(
            [new PipelineHandler("absent", "middleware.http.ratelimit"), new PipelineHandler("ratelimit", "middleware.http.ratelimit")],
            name => name == "ratelimit" ? RateLimit("ratelimit", "1") : null,
            new FakeTimeProvider());
        Assert.Single(pipeline.Limiters);
        var app = pipeline.Wrap(Ok);
        Assert.Equal(200, (await Send(app, "10.0.0.1")).Status);
        Assert.Equal(429, (await Send(app, "10.0.0.1")).Status);
    }

    [Fact]
    public void An_unimplemented_middleware_type_is_refused_not_ignored()
    {
        var ex = Assert.Throws<NotSupportedException>(() => HttpPipeline.Build(
            [new PipelineHandler("bearer", "middleware.http.bearer")],
            _ => new MiddlewareComponent("bearer", "middleware.http.bearer", new Dictionary<string, string>()),
            new FakeTimeProvider()));
        Assert.Contains("middleware.http.bearer", ex.Message);
    }

    [Fact]
    public async Task The_app_pipeline_answers_429_without_calling_the_app()
    {
        var calls = 0;
        var pipeline = Pipeline(new FakeTimeProvider(), rate: "1");
        using var client = new HttpClient(pipeline.WrapAppChannel(new CountingHandler(() => calls++))) { BaseAddress = new Uri("http://app.test/") };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("orders", TestContext.Current.CancellationToken)).StatusCode);
        using var limited = await client.GetAsync("orders", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("You have reached maximum request limit.", await limited.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);
    }

    private sealed class CountingHandler(Action onCall) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onCall();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
