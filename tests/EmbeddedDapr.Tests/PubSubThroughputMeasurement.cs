using System.Diagnostics;
using System.Net.Http.Headers;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// A measurement, not a timed test: events/s delivered to one subscriber through the embedded sidecar, as a ratio to a
/// bare HTTP POST loop to the same app in the same run. Opt in with EMBEDDED_DAPR_MEASURE=1 (it loads the CPU).
/// </summary>
public sealed class PubSubThroughputMeasurement
{
    private const int Events = 20_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("pubsub.in-memory", 1)]
    [InlineData("pubsub.redis", 8)]
    public async Task Delivery_rate_compared_to_a_bare_http_loop(string componentType, int concurrency)
    {
        if (Environment.GetEnvironmentVariable("EMBEDDED_DAPR_MEASURE") != "1")
        {
            Assert.Skip("measurement only: set EMBEDDED_DAPR_MEASURE=1 to run it");
        }

        var received = 0;
        await using var app = await SubscriberApp.StartAsync(
            (web, _) =>
            {
                web.MapGet("/dapr/subscribe", () => """[{"pubsubname":"pubsub","topic":"bench","route":"/bench"}]""");
                web.MapPost("/bench", async (HttpContext context) =>
                {
                    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                    Interlocked.Increment(ref received);
                    return Results.Ok();
                });
            },
            useDaprAspNetCore: false);

        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add($$"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec:
              type: {{componentType}}
              version: v1
              metadata:
                - name: redisHost
                  value: localhost:6379
                - name: concurrency
                  value: "{{concurrency}}"
            """);
        await using var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var subscriber = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "bench", AppBaseUrl = app.Url }, Ct);
        await subscriber.WaitForAppReadyAsync(Ct);
        var publisher = (await cluster.StartSidecarAsync(new SidecarOptions { AppId = "publisher" }, Ct)).CreateDaprClient();
        var broker = PubSubModule.Broker(cluster);
        var payload = new { sku = "SKU-1", quantity = 3, warehouse = "blr-1" };

        // Warm-up of both paths.
        await publisher.PublishEventAsync("pubsub", "bench", payload, Ct);
        await broker.WaitForIdleAsync(TimeSpan.FromSeconds(30), Ct);
        var body = CloudEventEnvelope.Build(
            new PublishInput("pubsub", "bench", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payload), "application/json", new Dictionary<string, string>(), "publisher"),
            TimeProvider.System);
        using var bare = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = app.Url };

        // End to end: publish through the SDK (bulk, 500 per call) while deliveries run; stop when all were delivered.
        received = 0;
        var endToEndClock = Stopwatch.StartNew();
        await PublishAllAsync();
        Assert.True(await broker.WaitForIdleAsync(TimeSpan.FromMinutes(5), Ct));
        endToEndClock.Stop();
        Assert.Equal(Events, received);

        // Delivery only: the same events queued while the subscriber is down, then drained once it is back.
        await subscriber.StopAsync();
        await PublishAllAsync();
        received = 0;
        var deliveryClock = Stopwatch.StartNew();
        await subscriber.RestartAsync(Ct);
        Assert.True(await broker.WaitForIdleAsync(TimeSpan.FromMinutes(5), Ct));
        deliveryClock.Stop();
        Assert.Equal(Events, received);

        // Bare loop: the same envelope bytes POSTed straight to the app with the same concurrency.
        received = 0;
        var bareClock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Events)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
                using var response = await bare.PostAsync("/bench", content, Ct);
                response.EnsureSuccessStatusCode();
            }
        }));
        bareClock.Stop();
        Assert.Equal(Events, received);

        var bareRate = Events / bareClock.Elapsed.TotalSeconds;
        var deliveryRate = Events / deliveryClock.Elapsed.TotalSeconds;
        var endToEndRate = Events / endToEndClock.Elapsed.TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{componentType} (concurrency {concurrency}): bare HTTP loop {bareRate:F0} req/s; delivery only {deliveryRate:F0} events/s " +
            $"(ratio {deliveryRate / bareRate:F2}); publish+deliver {endToEndRate:F0} events/s (ratio {endToEndRate / bareRate:F2})");
        publisher.Dispose();

        async Task PublishAllAsync()
        {
            for (var sent = 0; sent < Events; sent += 500)
            {
                await publisher.BulkPublishEventAsync("pubsub", "bench", Enumerable.Repeat(payload, 500).ToList(), cancellationToken: Ct);
            }
        }
    }
}
