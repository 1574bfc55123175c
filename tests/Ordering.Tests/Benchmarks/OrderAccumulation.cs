using System.Diagnostics;
using System.Net;
using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.Tests.Functional;
using Microsoft.Extensions.DependencyInjection;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Benchmarks;

/// <summary>Ordering with the real reservation reminder per order (the actor runtime of the embedded sidecar).</summary>
public sealed class AccumulationFixture : OrderingApiFixture
{
    protected override bool UseActorReservationTimer => true;
}

/// <summary>
/// A measurement, not a check: does placing an order get dearer as orders pile up? Places orders in equal batches
/// against one system and reports, per batch, throughput, latency, CPU per order (this process hosts the app, the
/// sidecars and the client, so CPU time is the figure least disturbed by other work on the machine) and the size
/// of the stored reminder data. Explicit, so CI never runs it:
/// <c>dotnet test tests/Ordering.Tests --filter FullyQualifiedName~OrderAccumulation -- xUnit.Explicit=only</c>
/// (BENCH_BATCHES, BENCH_BATCH_SIZE override the 6 × 500 orders).
/// </summary>
[Functional]
public sealed class OrderAccumulation(AccumulationFixture fixture) : IClassFixture<AccumulationFixture>
{
    [Fact(Explicit = true)]
    public async Task PlaceOrdersInBatches()
    {
        var batches = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BATCHES"), out var b) ? b : 6;
        var batchSize = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BATCH_SIZE"), out var s) ? s : 500;
        const int concurrency = 16;
        fixture.Stubs.Products["bench"] = ("Bench product", 199m);
        var output = new Report();
        output.WriteLine("orders held | orders/s | p50 ms | p99 ms | CPU ms/order | reminder data KB | active timeout actors");

        await PlaceAsync(50, concurrency); // warm-up: JIT, connections
        var held = 50;
        for (var i = 0; i < batches; i++)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (elapsed, latencies, failures) = await PlaceAsync(batchSize, concurrency);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            held += batchSize;
            latencies.Sort();
            output.WriteLine($"{held,11} | {batchSize / elapsed.TotalSeconds,8:F1} | {latencies[latencies.Count / 2],6:F0} | {latencies[(int)(latencies.Count * 0.99)],6:F0} | " +
                $"{cpu.TotalMilliseconds / batchSize,12:F1} | {ReminderDataBytes() / 1024.0,16:F0} | {ActiveTimeoutActors(),21}{(failures > 0 ? $"  ({failures} failed)" : "")}");
        }
    }

    /// <summary>
    /// The reservation reminder alone (ordering's actor → the embedded sidecar's reminder store), so its cost can be
    /// read against the number of reminders already held without the rest of the order path.
    /// </summary>
    [Fact(Explicit = true)]
    public async Task RegisterReservationReminders()
    {
        var batches = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BATCHES"), out var b) ? b : 10;
        var batchSize = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BATCH_SIZE"), out var s) ? s : 1000;
        const int concurrency = 16;
        var timer = fixture.Factory.Services.GetRequiredService<IReservationTimer>();
        var dueAt = DateTimeOffset.UtcNow.AddHours(1);
        var output = new Report();
        output.WriteLine("reminders held | registrations/s | p50 ms | p99 ms | CPU ms/registration | reminder data KB");

        var held = 0;
        for (var i = 0; i < batches; i++)
        {
            var latencies = new List<double>(batchSize);
            var next = -1;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) < batchSize)
                {
                    var started = Stopwatch.GetTimestamp();
                    await timer.ScheduleAsync(Guid.NewGuid(), dueAt, CancellationToken.None);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                    }
                }
            }));
            var elapsed = clock.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            held += batchSize;
            latencies.Sort();
            output.WriteLine($"{held,14} | {batchSize / elapsed.TotalSeconds,15:F1} | {latencies[latencies.Count / 2],6:F0} | {latencies[(int)(latencies.Count * 0.99)],6:F0} | " +
                $"{cpu.TotalMilliseconds / batchSize,19:F2} | {ReminderDataBytes() / 1024.0,16:F0}");
        }
    }

    /// <summary>Actor objects of OrderTimeoutActor the embedded placement holds as active (each one lives in ordering's memory too).</summary>
    private int ActiveTimeoutActors() =>
        Flipkart.EmbeddedDapr.Actors.ActorsModule.ClusterOf(fixture.Cluster).ActiveActorCount("OrderTimeoutActor");

    private long ReminderDataBytes()
    {
        var store = fixture.Cluster.StateStores["actor-store"];
        return store.Backend.Keys.Where(k => k.StartsWith("actors||", StringComparison.Ordinal)).Sum(k => (long)(store.Get(k).Data?.Length ?? 0));
    }

    private async Task<(TimeSpan Elapsed, List<double> Latencies, int Failures)> PlaceAsync(int orders, int concurrency)
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

    /// <summary>Test output, and each line also appended to BENCH_OUT at once (test output appears only at the end).</summary>
    private sealed class Report
    {
        private readonly string? file = Environment.GetEnvironmentVariable("BENCH_OUT");

        public void WriteLine(string line)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            if (file is not null)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        }
    }
}
