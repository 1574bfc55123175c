using Flipkart.EmbeddedDapr.Actors;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// daprd's actor runtime probes its app's /healthz and leaves placement when the app stops answering (and a dead
/// pod's sidecar leaves at once): the actors of a dead replica must move to the live ones, their reminders fire
/// there, and the replica comes back when its app answers again.
/// </summary>
public class ActorPlacementHealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_replica_whose_app_stops_answering_its_health_probes_leaves_placement_and_its_actors_move()
    {
        await using var rig = await StartRigAsync();
        var (first, second, probeA, _, appB) = await TwoReplicasAsync(rig);
        await first.Counter("x").IncrementAsync();
        await first.Counter("y").IncrementAsync(); // round-robin: y lives on the second replica

        await rig.StopAppAsync(appB);
        await WaitUntilAsync(() => rig.Actors.Hosts.Count == 1, "the dead replica to leave placement");

        Assert.Equal(2, await first.Counter("y").IncrementAsync());
        Assert.Contains("activated:y", probeA.Events);
        Assert.False(second.Sidecar.Services.GetRequiredService<ActorSidecar>().AppHealthy);
    }

    [Fact]
    public async Task A_reminder_of_an_actor_on_a_replica_reported_down_fires_on_the_live_replica()
    {
        await using var rig = await StartRigAsync();
        var (first, second, probeA, probeB, appB) = await TwoReplicasAsync(rig);
        await first.Counter("x").IncrementAsync();
        await first.Counter("y").RegisterReminderAsync(new ScheduleSpec("expire", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(-1), "late"));
        Assert.Contains("activated:y", probeB.Events);

        await rig.StopAppAsync(appB);
        second.Sidecar.ReportAppDown();
        Assert.Single(rig.Actors.Hosts);
        rig.Time.Advance(TimeSpan.FromSeconds(10));

        await probeA.WaitForAsync(e => e.Contains("reminder:y:expire:late"), "the reminder to fire on the live replica");
        Assert.DoesNotContain("reminder:y:expire:late", probeB.Events);
    }

    [Fact]
    public async Task A_replica_reported_down_rejoins_placement_once_its_restarted_app_answers()
    {
        await using var rig = await StartRigAsync();
        var (first, second, _, _, appB) = await TwoReplicasAsync(rig);
        await rig.StopAppAsync(appB);
        second.Sidecar.ReportAppDown();
        Assert.Single(rig.Actors.Hosts);

        var probeB2 = new ActorProbe();
        await rig.StartAppAsync(second, probeB2);
        await WaitUntilAsync(() => rig.Actors.Hosts.Count == 2, "the restarted replica to rejoin placement");

        // Round-robin over two hosts again: of two fresh ids, one activates on the restarted app.
        await first.Counter("p").IncrementAsync();
        await first.Counter("q").IncrementAsync();
        Assert.Single(probeB2.Events, e => e.StartsWith("activated:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Service_invocation_skips_a_replica_whose_app_is_reported_down_until_it_answers_again()
    {
        await using var rig = await StartRigAsync();
        var (first, second, _, _, appB) = await TwoReplicasAsync(rig);
        await rig.StopAppAsync(appB);
        second.Sidecar.ReportAppDown();

        using var client = first.CreateClient();
        for (var i = 0; i < 6; i++)
        {
            // Round-robin would send every second call to the dead app (500 ERR_DIRECT_INVOKE).
            using var response = await client.GetAsync("v1.0/invoke/counter/method/healthz", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        await rig.StartAppAsync(second, new ActorProbe());
        await WaitUntilAsync(() => !second.Sidecar.AppDown, "the restarted app to be seen answering");
    }

    [Fact]
    public async Task A_healthy_replica_stays_in_placement_while_its_probes_answer()
    {
        await using var rig = await StartRigAsync();
        var (_, second, _, _, _) = await TwoReplicasAsync(rig);
        var actors = second.Sidecar.Services.GetRequiredService<ActorSidecar>();

        // Several probe rounds (20 ms apart) pass; the replica must still be registered and healthy.
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.Equal(2, rig.Actors.Hosts.Count);
        Assert.True(actors.AppHealthy);
    }

    private static async Task<ActorTestCluster> StartRigAsync()
    {
        var rig = await ActorTestCluster.StartAsync();
        rig.Actors.Options.AppHealthInterval = TimeSpan.FromMilliseconds(20);
        rig.Actors.Options.AppUnhealthyInterval = TimeSpan.FromMilliseconds(20);
        rig.Actors.Options.AppHealthFailureThreshold = 2;
        // Generous: a probe slower than this on a loaded machine must not read as a dead app.
        rig.Actors.Options.AppHealthTimeout = TimeSpan.FromSeconds(10);
        return rig;
    }

    private static async Task<(TestSidecar First, TestSidecar Second, ActorProbe ProbeA, ActorProbe ProbeB, Microsoft.AspNetCore.Builder.WebApplication AppB)> TwoReplicasAsync(ActorTestCluster rig)
    {
        var first = await rig.AddSidecarAsync("counter");
        var second = await rig.AddSidecarAsync("counter");
        var probeA = new ActorProbe();
        var probeB = new ActorProbe();
        await rig.StartAppAsync(first, probeA);
        var appB = await rig.StartAppAsync(second, probeB);
        return (first, second, probeA, probeB, appB);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Deadline);
        while (!condition())
        {
            try
            {
                await Task.Delay(20, timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
        }
    }
}
