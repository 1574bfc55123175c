using System.Net;
using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// Topic scoping as daprd enforces it on publish (dapr/dapr pkg/runtime/pubsub/adapter.go IsOperationAllowed over
/// pkg/scopes/scopes.go): <c>allowedTopics</c> first, then the app's <c>publishingScopes</c>, and a protected topic only
/// for an app that lists it. Refusals are 403 / PermissionDenied <c>ERR_PUBSUB_FORBIDDEN</c>.
/// </summary>
public class PubSubScopingConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private static readonly string[] Resources =
    [
        .. ConformanceResources.Default,
        // This app may publish `mine` only; `theirs` belongs to another app; `free` is allowed overall but not to this app.
        ConformanceResources.Component("scoped", "pubsub.in-memory", metadata: """
            - name: publishingScopes
              value: "conformance=mine;conformance=also-mine;other=theirs"
            - name: allowedTopics
              value: "mine,also-mine,theirs,free"
            """),
        // No scope entry for this app: anything unprotected goes, a protected topic does not.
        ConformanceResources.Component("guarded", "pubsub.in-memory", metadata: """
            - name: publishingScopes
              value: "other=payments"
            - name: protectedTopics
              value: "payments"
            """),
        // `app=` lists no topic: the app may publish nothing.
        ConformanceResources.Component("silent", "pubsub.in-memory", metadata: """
            - name: publishingScopes
              value: "conformance="
            """),
    ];

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_publish_outside_the_apps_scopes_is_forbidden_over_http(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { Resources = Resources });

        Assert.Equal(HttpStatusCode.NoContent, await PublishAsync(sut, "scoped", "mine"));
        // Several entries of one app add up.
        Assert.Equal(HttpStatusCode.NoContent, await PublishAsync(sut, "scoped", "also-mine"));
        Assert.Equal(HttpStatusCode.NoContent, await PublishAsync(sut, "guarded", "anything"));
        foreach (var (pubsub, topic) in new[] { ("scoped", "theirs"), ("scoped", "free"), ("scoped", "not-allowed"), ("guarded", "payments"), ("silent", "anything") })
        {
            using var response = await sut.Http.PostAsync($"/v1.0/publish/{pubsub}/{topic}", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("ERR_PUBSUB_FORBIDDEN", body.GetProperty("errorCode").GetString());
            Assert.Equal($"topic {topic} is not allowed for app id {ConformanceResources.AppId}", body.GetProperty("message").GetString());
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_publish_outside_the_apps_scopes_is_permission_denied_over_grpc(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec { Resources = Resources });

        await sut.Dapr.PublishEventAsync("scoped", "mine", new { ok = true }, Ct);
        var denied = await Conformance.Errors.ThrowsRpc(() => sut.Dapr.PublishEventAsync("guarded", "payments", new { ok = false }, Ct));

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains($"topic payments is not allowed for app id {ConformanceResources.AppId}", denied.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> PublishAsync(Sut sut, string pubsub, string topic)
    {
        using var response = await sut.Http.PostAsync($"/v1.0/publish/{pubsub}/{topic}", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        return response.StatusCode;
    }
}
