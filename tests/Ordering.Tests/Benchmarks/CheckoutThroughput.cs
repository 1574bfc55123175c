using System.Diagnostics;
using System.Net;
using Flipkart.Ordering.Tests.Functional;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Benchmarks;

/// <summary>With the real reminder per order; set BENCH_NO_ACTOR to measure without the actor call.</summary>
public sealed class ThroughputFixture : OrderingApiFixture
{
    protected override bool UseActorReservationTimer => Environment.GetEnvironmentVariable("BENCH_NO_ACTOR") is null;
}

/// <summary>
/// A measurement, not a check: POST /api/orders through the embedded sidecar (idempotency claim, cart and catalog
/// invocation, user index, reminder registration, outbox transaction). Explicit, so CI never runs it:
/// <c>dotnet test tests/Ordering.Tests --filter FullyQualifiedName~CheckoutThroughput -- xUnit.Explicit=only</c>
/// </summary>
[Functional]
public sealed class CheckoutThroughput(ThroughputFixture fixture) : IClassFixture<ThroughputFixture>
{
    [Fact(Explicit = true)]
    public async Task PlaceOrders()
    {
        const int warmup = 200;
        const int orders = 1000;
        const int concurrency = 16;
        fixture.Stubs.Products["bench"] = ("Bench product", 199m);

        await RunAsync(warmup, concurrency);
        var (elapsed, latencies, failures) = await RunAsync(orders, concurrency);

        latencies.Sort();
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"{orders} orders, {concurrency} concurrent: {orders / elapsed.TotalSeconds:F0} orders/s; " +
            $"latency p50 {latencies[latencies.Count / 2]:F1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F1} ms; failures {failures}");
    }

    private async Task<(TimeSpan Elapsed, List<double> Latencies, int Failures)> RunAsync(int orders, int concurrency)
    {
        var latencies = new List<double>(orders);
        var failures = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < orders)
            {
                var user = $"bench-{Guid.NewGuid():N}";
                fixture.Stubs.Carts[user] = [("bench", 1)];
                using var client = fixture.ClientFor(user);
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders");
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        failures++;
                    }
                }
            }
        }));
        return (clock.Elapsed, latencies, failures);
    }
}
