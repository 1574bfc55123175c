using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Actors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>
/// Actor behaviours of daprd's HTTP API, observed from both sides: what the app (a raw actor host speaking the
/// protocol Dapr.Actors.AspNetCore speaks) receives, and what the caller gets back. Against daprd these need the
/// placement and scheduler services, which the conformance launch does not start, so that target reports a skip.
/// </summary>
public class ActorConformanceTests
{
    private const string ActorType = "ConformanceActor";
    private const string NeedsPlacement = "actors need daprd's placement and scheduler services, which the conformance launch does not start";

    private static CancellationToken Ct => Sut.Ct;

    private static readonly string[] Resources =
    [
        ConformanceResources.Component("actorstore", "state.in-memory", metadata: "- name: actorStateStore\n  value: \"true\""),
    ];

    private static async Task<(Sut Sut, ActorHostApp App)> StartAsync(string target, bool reentrancy = false)
    {
        var app = await ActorHostApp.StartAsync(reentrancy);
        Sut sut;
        try
        {
            sut = await Sut.StartAsync(target, new SutSpec
            {
                AppId = "actorhost",
                AppUrl = app.Url,
                Resources = Resources,
                EmbeddedOnlyReason = NeedsPlacement,
            });
        }
        catch
        {
            // Also on a skip: the app must not outlive the test.
            await app.DisposeAsync();
            throw;
        }

        if (sut.Cluster is { } cluster)
        {
            // Keep daprd's lookup-retry pattern (retries, then failure) without its 5 s wait.
            var actors = ActorsModule.ClusterOf(cluster);
            actors.Options.LookupRetries = 2;
            actors.Options.LookupRetryInterval = TimeSpan.FromMilliseconds(20);
        }

        if (sut.Sidecar is { } sidecar)
        {
            await sidecar.WaitForAppReadyAsync(Ct);
        }

        return (sut, app);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_actor_call_reaches_the_app_as_put_without_the_v1_prefix_with_query_and_body(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PostAsync($"/v1.0/actors/{ActorType}/a1/method/Echo?x=1", Json("{\"n\":1}"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"n\":1}", await response.Content.ReadAsStringAsync(Ct));
        var call = app.Calls.Last(c => c.Path.EndsWith("/Echo", StringComparison.Ordinal));
        Assert.Equal(("PUT", $"/actors/{ActorType}/a1/method/Echo", "?x=1"), (call.Method, call.Path, call.Query));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_remoting_error_answer_passes_through_with_its_header_and_body(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/a1/method/RemotingError", Json(""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("serialized-header", response.Headers.GetValues("X-DaprErrorResponseHeader").Single());
        Assert.Equal("exception-body", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_app_404_is_a_500_actor_method_not_found(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/a1/method/Status404", Json(""), Ct);

        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_INVOKE_METHOD",
            $"error invoke actor method: actor method not found: actors/{ActorType}/a1/method/Status404");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Another_app_error_is_a_500_carrying_the_apps_status_and_body(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/a1/method/Status503", Json(""), Ct);

        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_INVOKE_METHOD",
            "error invoke actor method: error from actor service: (503) status 503");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_type_no_app_hosts_fails_the_lookup(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync("/v1.0/actors/Nobody/x/method/Echo", Json(""), Ct);

        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_INVOKE_METHOD",
            "error invoke actor method: failed to lookup actor: did not find address for actor 'Nobody||x'");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Concurrent_calls_to_one_actor_take_turns_in_the_sidecar(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        var calls = Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/busy/method/Slow", Json(""), Ct);
            return response.StatusCode;
        });

        Assert.All(await Task.WhenAll(calls), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, app.MaxConcurrency);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_reentrancy_id_is_generated_and_forwarded_only_when_the_app_enables_reentrancy(string target)
    {
        foreach (var enabled in new[] { true, false })
        {
            var (sut, app) = await StartAsync(target, reentrancy: enabled);
            await using var _ = sut;
            await using var __ = app;

            using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/r/method/Echo", Json(""), Ct);

            var call = app.Calls.Last(c => c.Path.EndsWith("/Echo", StringComparison.Ordinal));
            Assert.Equal(enabled, Guid.TryParse(call.ReentrancyId, out var parsed) && parsed != Guid.Empty);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task State_saved_by_an_active_actor_reads_back_and_a_missing_key_is_204(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        using var activate = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/s1/method/Echo", Json(""), Ct);

        using var saved = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/s1/state",
            Json("""[{"operation":"upsert","request":{"key":"cart","value":{"items":2}}},{"operation":"delete","request":{"key":"gone"}}]"""), Ct);
        using var read = await sut.Http.GetAsync($"/v1.0/actors/{ActorType}/s1/state/cart", Ct);
        using var missing = await sut.Http.GetAsync($"/v1.0/actors/{ActorType}/s1/state/gone", Ct);

        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("{\"items\":2}", await read.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NoContent, missing.StatusCode);
    }

    // Dapr.Actors' state manager sends no ETag (pkg/actors/api/transactional.go passes one through only when given), so
    // actor state is last-write-wins: a second writer of the same actor key (another activation during a placement
    // change, a stale cache) overwrites without any conflict. Only an ETag the caller sends is checked.
    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Actor_state_without_an_etag_is_last_write_wins_and_only_a_sent_etag_is_checked(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        using var activate = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/lw/method/Echo", Json(""), Ct);

        using var first = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/lw/state",
            Json("""[{"operation":"upsert","request":{"key":"stock","value":{"available":5}}}]"""), Ct);
        using var blind = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/lw/state",
            Json("""[{"operation":"upsert","request":{"key":"stock","value":{"available":4}}}]"""), Ct);
        using var stale = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/lw/state",
            Json("""[{"operation":"upsert","request":{"key":"stock","value":{"available":3},"etag":"not-current"}}]"""), Ct);
        using var read = await sut.Http.GetAsync($"/v1.0/actors/{ActorType}/lw/state/stock", Ct);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, blind.StatusCode));
        Assert.Equal(HttpStatusCode.InternalServerError, stale.StatusCode);
        Assert.Equal("{\"available\":4}", await read.Content.ReadAsStringAsync(Ct));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_state_transaction_for_an_actor_that_is_not_active_is_instance_missing(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/idle/state",
            Json("""[{"operation":"upsert","request":{"key":"k","value":1}}]"""), Ct);

        await AssertError(response, HttpStatusCode.BadRequest, "ERR_ACTOR_INSTANCE_MISSING", "actor instance is missing");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Actor_state_ttl_needs_the_ActorStateTTL_feature(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        using var activate = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/t1/method/Echo", Json(""), Ct);

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/t1/state",
            Json("""[{"operation":"upsert","request":{"key":"k","value":1,"metadata":{"ttlInSeconds":"10"}}}]"""), Ct);

        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_STATE_TRANSACTION_SAVE",
            "error saving actor transaction state: ttlInSeconds is not supported without the \"ActorStateTTL\" feature enabled");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_malformed_state_transaction_is_400_malformed_request(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/m/state", Json("{not json"), Ct);

        await AssertError(response, HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_reminder_round_trips_through_get_and_is_gone_after_delete(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var created = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/r1/reminders/nightly",
            Json("""{"dueTime":"1h","period":"24h","data":"AQID"}"""), Ct);
        using var fetched = await sut.Http.GetAsync($"/v1.0/actors/{ActorType}/r1/reminders/nightly", Ct);
        using var deleted = await sut.Http.DeleteAsync($"/v1.0/actors/{ActorType}/r1/reminders/nightly", Ct);
        using var gone = await sut.Http.GetAsync($"/v1.0/actors/{ActorType}/r1/reminders/nightly", Ct);

        Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);
        using var body = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync(Ct));
        Assert.Equal(("r1", ActorType, "AQID", "1h"), (
            body.RootElement.GetProperty("actorID").GetString(),
            body.RootElement.GetProperty("actorType").GetString(),
            body.RootElement.GetProperty("data").GetString(),
            body.RootElement.GetProperty("dueTime").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertError(gone, HttpStatusCode.NotFound, "ERR_ACTOR_REMINDER_NOT_FOUND", "actor reminder not found: nightly");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_reminder_with_zero_repetitions_is_rejected(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/r1/reminders/never", Json("""{"period":"R0/PT1S"}"""), Ct);

        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_ACTOR_REMINDER_CREATE");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Reminders_on_a_type_the_app_does_not_host_are_forbidden(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync("/v1.0/actors/Elsewhere/x/reminders/r", Json("{}"), Ct);

        await AssertError(response, HttpStatusCode.Forbidden, "ERR_ACTOR_REMINDER_NON_HOSTED",
            "operations on actor reminders are only possible on hosted actor types");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_due_reminder_calls_the_app_with_its_data_echoed(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var created = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/r2/reminders/now",
            Json("""{"dueTime":"0s","data":{"order":"o-1"}}"""), Ct);

        var call = await app.WaitForAsync($"/actors/{ActorType}/r2/method/remind/now");
        Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);
        Assert.Equal("PUT", call.Method);
        using var body = JsonDocument.Parse(call.Body);
        Assert.Equal("o-1", body.RootElement.GetProperty("data").GetProperty("order").GetString());
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_due_timer_calls_the_app_with_its_callback_and_data(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var created = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/t2/timers/tick",
            Json("""{"dueTime":"0s","callback":"OnTick","data":"AQID"}"""), Ct);

        var call = await app.WaitForAsync($"/actors/{ActorType}/t2/method/timer/tick");
        Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);
        using var body = JsonDocument.Parse(call.Body);
        Assert.Equal(("OnTick", "AQID"), (body.RootElement.GetProperty("callback").GetString(), body.RootElement.GetProperty("data").GetString()));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Workflow_internal_actor_types_are_reserved(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;

        using var response = await sut.Http.PutAsync("/v1.0/actors/dapr.internal.default.actorhost.workflow/w/reminders/r", Json("{}"), Ct);

        await AssertError(response, HttpStatusCode.Forbidden, "ERR_ACTOR_TYPE_RESERVED");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Metadata_reports_the_active_actors_per_hosted_type(string target)
    {
        var (sut, app) = await StartAsync(target);
        await using var _ = sut;
        await using var __ = app;
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            using var call = await sut.Http.PutAsync($"/v1.0/actors/{ActorType}/{id}/method/Echo", Json(""), Ct);
        }

        var metadata = await sut.Dapr.GetMetadataAsync(Ct);

        var actors = Assert.Single(metadata.Actors);
        Assert.Equal((ActorType, 3), (actors.Type, actors.Count));
    }

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string errorCode, string? message = null)
    {
        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(errorCode, body.RootElement.GetProperty("errorCode").GetString());
        if (message is not null)
        {
            Assert.Equal(message, body.RootElement.GetProperty("message").GetString());
        }
    }
}

public sealed record ActorAppCall(string Method, string Path, string Query, string Body, string? ReentrancyId);

/// <summary>
/// A raw actor host on a dynamic loopback port: answers <c>/dapr/config</c> like Dapr.Actors.AspNetCore and
/// records every actor call; method names choose the answer (<c>Echo</c>, <c>Slow</c>, <c>Status404</c>, …).
/// </summary>
public sealed class ActorHostApp : IAsyncDisposable
{
    private readonly WebApplication app;
    private int inside;
    private int maxConcurrency;

    private ActorHostApp(WebApplication app) => this.app = app;

    public Uri Url => new(app.Urls.First());

    public ConcurrentQueue<ActorAppCall> Calls { get; } = new();

    public int MaxConcurrency => Volatile.Read(ref maxConcurrency);

    public static async Task<ActorHostApp> StartAsync(bool reentrancy)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var web = builder.Build();
        var host = new ActorHostApp(web);
        var enabled = reentrancy ? "true" : "false";
        var config = "{\"entities\":[\"ConformanceActor\"],\"reentrancy\":{\"enabled\":" + enabled + "}}";
        web.MapGet("/dapr/config", () => Results.Text(config, "application/json"));
        web.MapMethods("/actors/{type}/{id}/method/{**method}", ["PUT"], host.HandleAsync);
        web.MapDelete("/actors/{type}/{id}", () => Results.Ok());
        await web.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    public async Task<ActorAppCall> WaitForAsync(string path)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (Calls.FirstOrDefault(c => c.Path == path) is { } call)
            {
                return call;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var method = context.Request.RouteValues["method"] as string ?? "";
        Calls.Enqueue(new ActorAppCall(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.QueryString.Value ?? "",
            body,
            context.Request.Headers["Dapr-Reentrancy-Id"].FirstOrDefault()));
        var now = Interlocked.Increment(ref inside);
        int seen;
        while ((seen = Volatile.Read(ref maxConcurrency)) < now && Interlocked.CompareExchange(ref maxConcurrency, now, seen) != seen)
        {
        }

        try
        {
            switch (method)
            {
                case "Slow":
                    await Task.Delay(2);
                    context.Response.StatusCode = 200;
                    break;
                case "RemotingError":
                    context.Response.Headers["X-DaprErrorResponseHeader"] = "serialized-header";
                    await context.Response.WriteAsync("exception-body");
                    break;
                case "Status404":
                    context.Response.StatusCode = 404;
                    break;
                case "Status503":
                    context.Response.StatusCode = 503;
                    await context.Response.WriteAsync("status 503");
                    break;
                default:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(body);
                    break;
            }
        }
        finally
        {
            Interlocked.Decrement(ref inside);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
