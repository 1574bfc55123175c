using System.Diagnostics;
using Flipkart.EmbeddedDapr.Bench;
using Flipkart.EmbeddedDapr.Hosting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

// Round-trip cost of GetState/SaveState through the official DaprClient against the embedded sidecar,
// as a ratio to a bare gRPC unary echo measured in the same process and run. A loop, not BenchmarkDotNet,
// so it stays cheap on a shared 2-core machine: `dotnet run -c Release --project tools/EmbeddedDapr.Bench [iterations]`.
var iterations = args.Length > 0 ? int.Parse(args[0]) : 2000;
var warmup = Math.Max(200, iterations / 5);
var payload = new Order("order-42", "customer-7", 3, 1499.00m);

await using var echo = await EchoServer.StartAsync();
using var echoChannel = GrpcChannel.ForAddress(echo.Endpoint);
var invoker = echoChannel.CreateCallInvoker();
var echoBody = new BytesValue { Value = ByteString.CopyFrom(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payload)) };

await using var cluster = await EmbeddedDaprCluster.StartAsync("""
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata:
      name: statestore
    spec:
      type: state.redis
      version: v1
      metadata:
      - name: redisHost
        value: localhost:6379
    """);
var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "bench" });
using var dapr = sidecar.CreateDaprClient();

async Task Echo() => await invoker.AsyncUnaryCall(EchoServer.Echo, null, new Grpc.Core.CallOptions(), echoBody);
async Task Save() => await dapr.SaveStateAsync("statestore", "order", payload);
async Task Get() => await dapr.GetStateAsync<Order>("statestore", "order");

var echoStats = await Measure("gRPC unary echo (baseline)", Echo);
var saveStats = await Measure("DaprClient.SaveStateAsync", Save);
var getStats = await Measure("DaprClient.GetStateAsync", Get);
// Interleave a second echo pass so drift in machine load shows up rather than skewing one side.
var echoAgain = await Measure("gRPC unary echo (again)", Echo);

var baseline = (echoStats.Median + echoAgain.Median) / 2;
Console.WriteLine();
Console.WriteLine($"ratio SaveState/echo (median): {saveStats.Median / baseline:F2}x");
Console.WriteLine($"ratio GetState/echo  (median): {getStats.Median / baseline:F2}x");

async Task<Stats> Measure(string name, Func<Task> op)
{
    for (var i = 0; i < warmup; i++)
    {
        await op();
    }
    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await op();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
    Array.Sort(samples);
    var stats = new Stats(samples.Average(), samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    Console.WriteLine($"{name,-32} mean {stats.Mean,8:F1} µs   p50 {stats.Median,8:F1} µs   p99 {stats.P99,8:F1} µs   (n={iterations})");
    return stats;
}

internal sealed record Order(string Id, string CustomerId, int Quantity, decimal Total);

internal sealed record Stats(double Mean, double Median, double P99);
