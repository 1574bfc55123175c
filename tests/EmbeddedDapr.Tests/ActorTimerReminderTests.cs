using System.Net;
using Flipkart.EmbeddedDapr.Actors;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>Timers, reminders and idle deactivation, driven by the cluster's fake clock (nothing sleeps).</summary>
public class ActorTimerReminderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_timer_fires_at_its_due_time_then_every_period_with_its_data()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe);
        await sidecar.Counter("t1").RegisterTimerAsync(new ScheduleSpec("tick", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), "payload"));

        rig.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.DoesNotContain(probe.Events, e => e.StartsWith("timer:", StringComparison.Ordinal));
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        await probe.WaitForAsync(e => e.Count(x => x == "timer:t1:payload") == 1, "the first timer fire");
        rig.Time.Advance(TimeSpan.FromSeconds(10));
        await probe.WaitForAsync(e => e.Count(x => x == "timer:t1:payload") == 2, "the second timer fire");
        Assert.Equal(0, probe.Overlaps);
    }

    [Fact]
    public async Task An_unregistered_timer_no_longer_fires()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();
        using var registered = await client.PutAsync("v1.0/actors/Recorded/t2/timers/tick", new StringContent("""{"dueTime":"1s","period":"1s"}"""), Ct);

        Assert.Equal(1, rig.Actors.Scheduler.Count);
        using var deleted = await client.DeleteAsync("v1.0/actors/Recorded/t2/timers/tick", Ct);

        Assert.Equal(HttpStatusCode.NoContent, registered.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, rig.Actors.Scheduler.Count);
        rig.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(app.Calls.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_timer_callback_gets_daprds_body_with_the_registered_strings_and_data_echoed()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();

        using var registered = await client.PutAsync(
            "v1.0/actors/Recorded/r1/timers/t",
            new StringContent("""{"dueTime":"PT1S","period":"0h0m9s0ms","callback":"OnTick","data": {"b":2, "a":[1, 2.50]}}"""),
            Ct);
        Assert.Equal(HttpStatusCode.NoContent, registered.StatusCode);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        var call = await app.NextCallAsync();

        Assert.Equal("PUT", call.Method);
        Assert.Equal("/actors/Recorded/r1/method/timer/t", call.Path);
        Assert.Equal("""{"data":{"b":2, "a":[1, 2.50]},"callback":"OnTick","dueTime":"PT1S","period":"0h0m9s0ms"}""", call.Body);
    }

    [Fact]
    public async Task A_reminder_fires_with_daprds_body_until_its_repetitions_run_out()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();

        using var registered = await client.PutAsync(
            "v1.0/actors/Recorded/r1/reminders/due",
            new StringContent("""{"dueTime":"0h0m3s0ms","period":"R2/PT5S","data":"AQID"}"""),
            Ct);
        Assert.Equal(HttpStatusCode.NoContent, registered.StatusCode);
        using var fetched = await client.GetAsync("v1.0/actors/Recorded/r1/reminders/due", Ct);
        Assert.Equal(
            """{"actorID":"r1","actorType":"Recorded","data":"AQID","dueTime":"0h0m3s0ms","period":"R2/PT5S"}""",
            await fetched.Content.ReadAsStringAsync(Ct));

        rig.Time.Advance(TimeSpan.FromSeconds(3));
        var call = await app.NextCallAsync();
        Assert.Equal("/actors/Recorded/r1/method/remind/due", call.Path);
        Assert.Equal("""{"data":"AQID","dueTime":"0h0m3s0ms","period":"R2/PT5S"}""", call.Body);
        rig.Time.Advance(TimeSpan.FromSeconds(5));
        await app.NextCallAsync();

        await WaitUntil(async () => await Status(client, "v1.0/actors/Recorded/r1/reminders/due") == HttpStatusCode.NotFound, "the finished reminder to be removed");
        using var gone = await client.GetAsync("v1.0/actors/Recorded/r1/reminders/due", Ct);
        await ActorRuntimeTests.AssertDaprError(gone, HttpStatusCode.NotFound, "ERR_ACTOR_REMINDER_NOT_FOUND", "actor reminder not found: due");
    }

    [Fact]
    public async Task A_reminder_stops_when_the_app_answers_with_reminder_cancel()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = await AttachFixedApp(sidecar);
        app.Next = () =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK);
            response.Headers.Add("X-DaprReminderCancel", "true");
            return response;
        };
        using var client = sidecar.CreateClient();
        using var registered = await client.PutAsync("v1.0/actors/Recorded/r1/reminders/once", new StringContent("""{"period":"1s"}"""), Ct);

        await app.NextCallAsync();

        await WaitUntil(async () => await Status(client, "v1.0/actors/Recorded/r1/reminders/once") == HttpStatusCode.NotFound, "the cancelled reminder to be removed");
        rig.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(app.Calls.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_reminder_that_re_registers_itself_while_firing_keeps_the_new_registration()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        var app = await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();
        var rearmed = 0;
        app.BeforeAnswer = async call =>
        {
            if (Interlocked.Increment(ref rearmed) == 1)
            {
                using var again = await client.PutAsync("v1.0/actors/Recorded/o1/reminders/expiry", new StringContent("""{"dueTime":"10s"}"""), Ct);
            }
        };
        using var registered = await client.PutAsync("v1.0/actors/Recorded/o1/reminders/expiry", new StringContent("""{"dueTime":"1s"}"""), Ct);

        rig.Time.Advance(TimeSpan.FromSeconds(1));
        await app.NextCallAsync();
        // Let the sidecar finish the first fire (it completes after the app answered) before the clock moves on.
        await Task.Delay(200, Ct);
        Assert.Equal(HttpStatusCode.OK, await Status(client, "v1.0/actors/Recorded/o1/reminders/expiry"));
        rig.Time.Advance(TimeSpan.FromSeconds(10));

        var second = await app.NextCallAsync();
        Assert.Equal("""{"dueTime":"10s","period":""}""", second.Body);
    }

    [Theory]
    [InlineData("""{"period":"R0/PT1S"}""", "error creating actor reminder: invalid reminder period: has zero repetitions")]
    [InlineData("""{"period":"every day"}""", "error creating actor reminder: invalid reminder period: parse error: unsupported duration format: every day")]
    [InlineData("""{"dueTime":"later"}""", "error creating actor reminder: error parsing reminder due time: unsupported time/duration format: later")]
    [InlineData("""{"dueTime":"R3/PT1S"}""", "error creating actor reminder: error parsing reminder due time: repetitions are not allowed")]
    public async Task Invalid_reminder_times_are_rejected_with_daprds_error(string body, string message)
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();

        using var response = await client.PutAsync("v1.0/actors/Recorded/a/reminders/r", new StringContent(body), Ct);

        await ActorRuntimeTests.AssertDaprError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_REMINDER_CREATE", message);
    }

    [Fact]
    public async Task Invalid_timer_times_are_rejected_with_daprds_error()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();

        using var zero = await client.PutAsync("v1.0/actors/Recorded/a/timers/t", new StringContent("""{"period":"R0/PT1S"}"""), Ct);
        using var elsewhere = await client.PutAsync("v1.0/actors/Elsewhere/a/timers/t", new StringContent("{}"), Ct);
        using var malformed = await client.PutAsync("v1.0/actors/Recorded/a/timers/t", new StringContent("{"), Ct);

        await ActorRuntimeTests.AssertDaprError(zero, HttpStatusCode.InternalServerError, "ERR_ACTOR_TIMER_CREATE", "error creating actor timer: invalid timer period: has zero repetitions");
        await ActorRuntimeTests.AssertDaprError(elsewhere, HttpStatusCode.InternalServerError, "ERR_ACTOR_TIMER_CREATE",
            "error creating actor timer: can't create timer for actor Elsewhere||a: actor type not registered");
        await ActorRuntimeTests.AssertDaprError(malformed, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
    }

    [Fact]
    public async Task Reminder_operations_on_a_type_this_app_does_not_host_are_forbidden()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();

        using var create = await client.PutAsync("v1.0/actors/Elsewhere/a/reminders/r", new StringContent("{}"), Ct);
        using var get = await client.GetAsync("v1.0/actors/Elsewhere/a/reminders/r", Ct);
        using var delete = await client.DeleteAsync("v1.0/actors/Elsewhere/a/reminders/r", Ct);

        foreach (var response in new[] { create, get, delete })
        {
            await ActorRuntimeTests.AssertDaprError(response, HttpStatusCode.Forbidden, "ERR_ACTOR_REMINDER_NON_HOSTED",
                "operations on actor reminders are only possible on hosted actor types");
        }
    }

    [Fact]
    public async Task An_existing_reminder_is_kept_when_overwrite_is_false()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();
        using var first = await client.PutAsync("v1.0/actors/Recorded/a/reminders/r", new StringContent("""{"dueTime":"1h"}"""), Ct);

        using var second = await client.PutAsync("v1.0/actors/Recorded/a/reminders/r", new StringContent("""{"dueTime":"2h","overwrite":false}"""), Ct);
        using var third = await client.PutAsync("v1.0/actors/Recorded/a/reminders/r", new StringContent("""{"dueTime":"3h"}"""), Ct);
        using var fetched = await client.GetAsync("v1.0/actors/Recorded/a/reminders/r", Ct);

        await ActorRuntimeTests.AssertDaprError(second, HttpStatusCode.Conflict, "ERR_ACTOR_REMINDER_ALREADY_EXISTS", "actor reminder already exists: r");
        Assert.Equal(HttpStatusCode.NoContent, third.StatusCode);
        Assert.Contains("\"dueTime\":\"3h\"", await fetched.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_sdk_reads_back_a_reminder_it_registered()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        await rig.StartAppAsync(sidecar, new ActorProbe());
        var actor = sidecar.Counter("described");
        await actor.RegisterReminderAsync(new ScheduleSpec("weekly", TimeSpan.FromMinutes(1), TimeSpan.FromDays(7), "payload"));

        Assert.Equal("00:01:00|7.00:00:00|payload", await actor.DescribeReminderAsync("weekly"));
    }

    [Fact]
    public async Task A_reminder_registered_before_the_app_stops_fires_after_it_starts_again()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var before = new ActorProbe();
        var app = await rig.StartAppAsync(sidecar, before);
        await sidecar.Counter("durable").RegisterReminderAsync(new ScheduleSpec("wake", TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(-1), "order-42"));

        // The app and its sidecar go down; the reminder comes due while no replica hosts the type.
        await rig.StopAppAsync(app);
        await sidecar.Sidecar.StopAsync();
        rig.Time.Advance(TimeSpan.FromMinutes(2));
        var after = new ActorProbe();
        var restartedApp = ActorTestCluster.StartActorAppAsync(sidecar.Url, after);
        await using var restarted = await restartedApp;
        sidecar.Handler.Target = new Uri(ActorTestCluster.Address(restarted));
        await sidecar.Sidecar.RestartAsync(Ct);

        await after.WaitForAsync(e => e.Contains("reminder:durable:wake:order-42"), "the reminder to fire on the restarted app");
        Assert.DoesNotContain(before.Events, e => e.StartsWith("reminder:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Persisted_reminders_are_read_back_by_a_fresh_actor_runtime_on_the_same_store()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("recorded");
        await AttachFixedApp(sidecar);
        using var client = sidecar.CreateClient();
        using var registered = await client.PutAsync("v1.0/actors/Recorded/kept/reminders/later", new StringContent("""{"dueTime":"5m","data":{"n":7}}"""), Ct);
        Assert.True(rig.Cluster.StateStores["actor-store"].Get("actors||Recorded||metadata").Found);

        // A new runtime (as after a cluster restart) sees only what is in the state store.
        using var fresh = new ActorCluster(rig.Time);
        var store = StateStoreActorStore.For(sidecar.Sidecar.Context, sidecar.Sidecar.Services);
        var freshSidecar = new ActorSidecar(fresh, "recorded", () => store);
        var app = new FixedActorApp("""{"entities":["Recorded"]}""");
        using var channel = new HttpClient(app) { BaseAddress = new Uri("http://recorded.test/") };
        await freshSidecar.ConnectAppAsync(channel, Ct);
        rig.Time.Advance(TimeSpan.FromMinutes(5));

        var call = await app.NextCallAsync();
        Assert.Equal("/actors/Recorded/kept/method/remind/later", call.Path);
        Assert.Equal("""{"data":{"n":7},"dueTime":"5m","period":""}""", call.Body);
    }

    [Fact]
    public async Task An_idle_actor_is_deactivated_after_actorIdleTimeout()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe, options => options.ActorIdleTimeout = TimeSpan.FromMinutes(1));
        var actor = sidecar.Counter("sleepy");
        await actor.IncrementAsync();

        rig.Time.Advance(TimeSpan.FromSeconds(50));
        await actor.IncrementAsync();
        rig.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.DoesNotContain("deactivated:sleepy", probe.Events);
        rig.Time.Advance(TimeSpan.FromSeconds(10));

        await probe.WaitForAsync(e => e.Contains("deactivated:sleepy"), "idle deactivation");
        Assert.Equal(0, rig.Actors.ActiveActorCount("CounterActor"));
        Assert.Equal(3, await actor.IncrementAsync());
        Assert.Equal(2, probe.Events.Count(e => e == "activated:sleepy"));
    }

    [Fact]
    public async Task Deactivation_drops_the_actors_timers()
    {
        await using var rig = await ActorTestCluster.StartAsync();
        var sidecar = await rig.AddSidecarAsync("counter");
        var probe = new ActorProbe();
        await rig.StartAppAsync(sidecar, probe, options => options.ActorIdleTimeout = TimeSpan.FromMinutes(1));
        await sidecar.Counter("ticking").RegisterTimerAsync(new ScheduleSpec("tick", TimeSpan.FromHours(1), TimeSpan.FromHours(1), "x"));

        Assert.Equal(2, rig.Actors.Scheduler.Count); // the timer and the idle check
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        await probe.WaitForAsync(e => e.Contains("deactivated:ticking"), "idle deactivation");

        Assert.Equal(0, rig.Actors.Scheduler.Count);
        Assert.Equal(0, rig.Actors.ActiveActorCount("CounterActor"));
    }

    private static async Task<FixedActorApp> AttachFixedApp(TestSidecar sidecar)
    {
        var app = new FixedActorApp("""{"entities":["Recorded"]}""");
        sidecar.Sidecar.AttachApp(() => app);
        await sidecar.Sidecar.WaitForAppReadyAsync(Ct);
        return app;
    }

    private static async Task<HttpStatusCode> Status(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return response.StatusCode;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string because)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("Timed out waiting for " + because);
            }
        }
    }
}
