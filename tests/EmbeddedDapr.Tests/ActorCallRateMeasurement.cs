using System.Diagnostics;
using System.Text;
using Dapr.Actors;
using Dapr.Actors.Client;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// Not a timed test: a measurement loop, run on demand (<c>EMBEDDED_DAPR_MEASURE=1</c>), comparing actor calls on one
/// id through the sidecar with a bare HTTP loop to the same app in the same run. It asserts nothing about speed.
/// </summary>
public class ActorCallRateMeasurement
{
    private const int Calls = 3000;

    [Fact]
    public async Task Actor_call_rate_on_one_id_against_a_bare_http_loop()
    {
        if (Environment.GetEnvironmentVariable("EMBEDDED_DAPR_MEASURE") != "1")
        {
            Assert.Skip("measurement loop, not a test: set EMBEDDED_DAPR_MEASURE=1 to run it");
        }

        var ct = TestContext.Current.CancellationToken;
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var app = await rig.StartAppAsync(sidecar, new ActorProbe());
        using var bare = new HttpClient { BaseAddress = new Uri(ActorTestCluster.Address(app) + "/") };
        var remoting = sidecar.Counter("one");
        var json = ActorProxy.Create(new ActorId("one"), "CounterActor", new ActorProxyOptions { HttpEndpoint = sidecar.Url });

        async Task BareHealth()
        {
            using var response = await bare.GetAsync("healthz", ct);
        }

        async Task BareActorMethod()
        {
            // The same app endpoint the sidecar calls, without the sidecar in between.
            using var response = await bare.PutAsync("actors/CounterActor/one/method/PingAsync", new StringContent("", Encoding.UTF8, "application/json"), ct);
        }

        var results = new List<(string Name, double PerSecond)>
        {
            ("bare HTTP GET /healthz to the app", await Rate(BareHealth)),
            ("bare HTTP PUT to the app's actor endpoint", await Rate(BareActorMethod)),
            ("actor call via sidecar (non-remoting proxy)", await Rate(() => json.InvokeMethodAsync("PingAsync", ct))),
            ("actor call via sidecar (remoting proxy)", await Rate(remoting.PingAsync)),
        };

        // The baseline is the same app work without the sidecar: what the sidecar itself costs shows in the ratio.
        var baseline = results[1].PerSecond;
        foreach (var (name, perSecond) in results)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {perSecond:F0} calls/s (ratio to the bare actor-endpoint loop {perSecond / baseline:F2})");
        }
    }

    private static async Task<double> Rate(Func<Task> call)
    {
        for (var i = 0; i < 200; i++)
        {
            await call();
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Calls; i++)
        {
            await call();
        }

        return Calls / watch.Elapsed.TotalSeconds;
    }
}
