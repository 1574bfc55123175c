using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using static Flipkart.EmbeddedDapr.Tests.Conformance.Errors;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>Behaviour driven by the Configuration resource (secret scopes, access control).</summary>
public class ConfigurationConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private static string Configuration(string spec) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata:
          name: appconfig
        spec:
        {string.Join("\n", spec.Split('\n').Select(l => "  " + l))}
        """;

    private const string ConfigReason = "applies a Configuration resource, which daprd takes from --config rather than the resources folder";

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_secret_outside_the_allowed_secrets_scope_is_PermissionDenied(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = ConfigReason,
            Resources =
            [
                .. ConformanceResources.Default,
                Configuration("secrets:\n  scopes:\n  - storeName: secretstore\n    defaultAccess: deny\n    allowedSecrets: [\"jwt-signing-key\"]"),
            ],
        });

        var allowed = await sut.Dapr.GetSecretAsync("secretstore", "jwt-signing-key", cancellationToken: Ct);
        var ex = await ThrowsRpc(() => sut.Dapr.GetSecretAsync("secretstore", "db:password", cancellationToken: Ct));
        var bulk = await sut.Dapr.GetBulkSecretAsync("secretstore", cancellationToken: Ct);

        Assert.Equal("dev-signing-key", allowed["jwt-signing-key"]);
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("access denied by policy to get \"db:password\" from \"secretstore\"", ex.Status.Detail);
        Assert.Equal(["jwt-signing-key"], bulk.Keys);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_access_control_policy_denies_unlisted_operations_with_403(string target)
    {
        await using var app = await TestApp.StartAsync("guarded");
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            AppId = "gateway",
            EmbeddedOnlyReason = ConfigReason,
            Resources =
            [
                Configuration("""
                    accessControl:
                      defaultAction: deny
                      policies:
                      - appId: gateway
                        defaultAction: deny
                        operations:
                        - name: /whoami
                          httpVerb: ["GET"]
                          action: allow
                    """),
            ],
        });
        await sut.StartPeerAsync("catalog", app.Url);

        var allowed = await sut.Http.GetAsync("/v1.0/invoke/catalog/method/whoami", Ct);
        var denied = await sut.Http.GetAsync("/v1.0/invoke/catalog/method/status/200", Ct);
        var body = await denied.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("ERR_DIRECT_INVOKE", (string?)body!["errorCode"]);
        Assert.DoesNotContain(app.Requests, r => r.PathAndQuery.StartsWith("/status", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Enabled_preview_features_are_reported_in_metadata(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = ConfigReason,
            Resources = [Configuration("features:\n- name: ActorStateTTL\n  enabled: true\n- name: SchedulerReminders\n  enabled: false")],
        });

        var metadata = await sut.Http.GetFromJsonAsync<JsonObject>("/v1.0/metadata", Ct);

        Assert.Equal(["ActorStateTTL"], metadata!["enabledFeatures"]!.AsArray().Select(f => (string?)f));
    }
    private static string[] ApiAllowList(string rules) =>
        [.. ConformanceResources.Default, Configuration("api:\n  allowed:\n" + rules)];

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_API_left_off_the_allow_list_is_Unimplemented_over_gRPC_and_404_over_HTTP(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = ConfigReason,
            Resources = ApiAllowList("  - { name: state, version: v1, protocol: grpc }\n  - { name: metadata, version: v1, protocol: http }"),
        });
        var http = sut.Http;
        var key = Sut.Key("allow");

        await sut.Dapr.SaveStateAsync("statestore", key, "ok", cancellationToken: Ct); // allowed over gRPC
        var publish = await ThrowsRpc(() => sut.Dapr.PublishEventAsync("pubsub", "orders", new { id = 1 }, Ct));
        var secret = await ThrowsRpc(() => sut.Dapr.GetSecretAsync("secretstore", "jwt-signing-key", cancellationToken: Ct));
        using var stateOverHttp = await http.GetAsync($"/v1.0/state/statestore/{key}", Ct);
        using var metadataOverHttp = await http.GetAsync("/v1.0/metadata", Ct);
        using var health = await http.GetAsync("/v1.0/healthz", Ct);

        Assert.Equal(StatusCode.Unimplemented, publish.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, secret.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stateOverHttp.StatusCode); // the rule names gRPC only: HTTP state is off
        Assert.Equal(HttpStatusCode.OK, metadataOverHttp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode); // health is always on
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Without_invoke_on_the_allow_list_invocation_finds_no_route_by_path_or_header(string target)
    {
        await using var app = await TestApp.StartAsync("listed");
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = ConfigReason,
            Resources = ApiAllowList("  - { name: state, version: v1, protocol: http }"),
        });
        await sut.StartPeerAsync("listed", app.Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("dapr-app-id", "listed");

        using var viaHeader = await sut.Http.SendAsync(request, Ct);
        using var viaPath = await sut.Http.GetAsync("/v1.0/invoke/listed/method/whoami", Ct);

        Assert.Equal(HttpStatusCode.NotFound, viaHeader.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, viaPath.StatusCode);
        Assert.DoesNotContain(app.Requests, r => r.PathAndQuery == "/whoami");
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_denied_API_is_off_even_when_allowed(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = ConfigReason,
            Resources =
            [
                .. ConformanceResources.Default,
                Configuration("api:\n  allowed:\n  - { name: state, version: v1, protocol: grpc }\n  denied:\n  - { name: state, version: v1, protocol: grpc }"),
            ],
        });

        var ex = await ThrowsRpc(() => sut.Dapr.GetStateAsync<string>("statestore", Sut.Key("denied"), cancellationToken: Ct));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }
}
