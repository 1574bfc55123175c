using System.Text.RegularExpressions;
using Flipkart.ComponentLint.Needs;
using k8s.Models;

namespace Flipkart.Deployment.Tests;

/// <summary>
/// The cluster-grade rules of the composed overlays, one test each: what a platform engineer reviewing the manifests
/// would check by hand (and what the start-with-the-manifest test cannot see, because it does not run a cluster).
/// </summary>
[Unit]
public sealed partial class SecurityPostureTests
{
    public static TheoryData<string> Overlays => ["aks", "eks"];

    private static readonly ServiceNeeds Needs = ServiceNeeds.Load(Repository.Path("components", "service-needs.yaml"));

    private static bool HasSidecar(V1Deployment d) => d.Spec.Template.Metadata.Annotations?.ContainsKey("dapr.io/enabled") == true;

    private static V1Container App(V1Deployment d) => Assert.Single(d.Spec.Template.Spec.Containers);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void No_token_secret_is_shared_between_apps(string overlay)
    {
        var apps = ComposedOverlay.Load(overlay).Deployments.Where(HasSidecar).ToList();
        var owners = new Dictionary<string, string>();
        foreach (var deployment in apps)
        {
            var annotations = deployment.Spec.Template.Metadata.Annotations;
            foreach (var secret in new[] { annotations["dapr.io/api-token-secret"], annotations["dapr.io/app-token-secret"] })
            {
                Assert.True(owners.TryAdd(secret, deployment.Metadata.Name), $"{secret} is used by {owners.GetValueOrDefault(secret)} and {deployment.Metadata.Name}");
            }
            Assert.Equal(annotations["dapr.io/api-token-secret"], Assert.Single(App(deployment).Env, e => e.Name == "DAPR_API_TOKEN").ValueFrom.SecretKeyRef.Name);
            Assert.Equal(annotations["dapr.io/app-token-secret"], Assert.Single(App(deployment).Env, e => e.Name == "APP_API_TOKEN").ValueFrom.SecretKeyRef.Name);
            // daprd reads key `token` of these secrets; the app must read the same key.
            Assert.All(App(deployment).Env.Where(e => e.Name is "DAPR_API_TOKEN" or "APP_API_TOKEN"), e => Assert.Equal("token", e.ValueFrom.SecretKeyRef.Key));
        }
        Assert.Equal(2 * apps.Count, owners.Count);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_app_knows_its_app_id_and_the_builtin_kubernetes_secret_store_is_off(string overlay)
    {
        foreach (var deployment in ComposedOverlay.Load(overlay).Deployments)
        {
            var appId = HasSidecar(deployment) ? deployment.Spec.Template.Metadata.Annotations["dapr.io/app-id"] : deployment.Metadata.Name;
            Assert.Equal(appId, Assert.Single(App(deployment).Env, e => e.Name == "APP_ID").Value);
            if (HasSidecar(deployment))
            {
                Assert.Equal("true", deployment.Spec.Template.Metadata.Annotations["dapr.io/disable-builtin-k8s-secret-store"]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_image_is_pinned_by_digest(string overlay)
    {
        foreach (var deployment in ComposedOverlay.Load(overlay).Deployments)
        {
            var image = App(deployment).Image;
            Assert.Matches(DigestReference(), image);
            Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
            Assert.EndsWith($"/flipkart-dapr/{deployment.Metadata.Name}", image.Split('@')[0], StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_value_of_the_overlay_comes_from_its_values_file(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);

        Assert.All(composed.Manifests, m => Assert.DoesNotContain("SET-IN-OVERLAY-VALUES", m.Json.ToJsonString(), StringComparison.Ordinal));
        Assert.DoesNotContain(composed.Manifests, m => m.Kind == "ConfigMap" && m.Name == "values");
        // The overlay folder has no other placeholders for a team to hunt down.
        foreach (var file in Directory.GetFiles(Repository.Path("k8s", overlay), "*.yaml", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("CHANGE ME", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_validates_an_identity_provider_and_trusts_forwarded_headers_only_from_the_pod_network(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);
        var gateway = App(composed.Deployments.Single(d => d.Metadata.Name == "gateway"));
        string Env(V1Container c, string name) => Assert.Single(c.Env, e => e.Name == name).Value;

        Assert.StartsWith("https://", Env(gateway, "Auth__Authority"), StringComparison.Ordinal);
        Assert.NotEmpty(Env(gateway, "Auth__Issuer"));
        Assert.NotEmpty(Env(gateway, "Auth__Audience"));
        Assert.DoesNotContain(gateway.Env, e => e.Name.StartsWith("Auth__DevTokens", StringComparison.Ordinal));
        var network = System.Net.IPNetwork.Parse(Env(gateway, "GatewayOptions__TrustedProxyNetworks__0"));
        Assert.True(network.PrefixLength >= 8, "the trusted proxy network is the pod network, not the internet");

        var storefront = App(composed.Deployments.Single(d => d.Metadata.Name == "storefront"));
        Assert.Equal(network.ToString(), System.Net.IPNetwork.Parse(Env(storefront, "Storefront__TrustedProxyNetworks__0")).ToString());
        Assert.Equal("storefront-data-protection", Assert.Single(storefront.Env, e => e.Name == "Storefront__DataProtectionKey").ValueFrom.SecretKeyRef.Name);

        // The dev-token signing key is not provisioned for production: nothing refers to it.
        Assert.All(composed.Manifests, m => Assert.DoesNotContain("jwt-signing-key\"", m.Json.ToJsonString().Replace("allowedSecrets\":[\"jwt-signing-key\"", "", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_app_has_its_own_cloud_identity_and_only_its_sidecar_receives_it(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);
        var annotation = overlay == "aks" ? "azure.workload.identity/client-id" : "eks.amazonaws.com/role-arn";
        var skip = overlay == "aks" ? "azure.workload.identity/skip-containers" : "eks.amazonaws.com/skip-containers";
        var identities = new HashSet<string>();
        foreach (var deployment in composed.Deployments.Where(HasSidecar))
        {
            var account = composed.All<V1ServiceAccount>().Single(a => a.Metadata.Name == deployment.Spec.Template.Spec.ServiceAccountName);
            Assert.True(identities.Add(account.Metadata.Annotations[annotation]), $"{deployment.Metadata.Name} shares its identity");
            Assert.Equal(App(deployment).Name, deployment.Spec.Template.Metadata.Annotations[skip]);
            Assert.False(deployment.Spec.Template.Spec.AutomountServiceAccountToken);
            if (overlay == "aks")
            {
                Assert.Equal("true", deployment.Spec.Template.Metadata.Labels["azure.workload.identity/use"]);
            }
        }
        // No component pins one identity for every app that loads it.
        Assert.All(composed.Components, c => Assert.DoesNotContain(c.Spec.Metadata ?? [], m => m.Name is "azureClientId" or "accessKey" or "secretKey"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_mysql_store_has_its_own_user_and_schema(string overlay)
    {
        var stores = ComposedOverlay.Load(overlay).Components.Where(c => c.Spec.Type == "state.mysql").ToList();

        Assert.NotEmpty(stores);
        Assert.Equal(stores.Count, stores.Select(s => s.Spec.Metadata!.Single(m => m.Name == "connectionString").SecretKeyRef!.Name).Distinct().Count());
        Assert.Equal(stores.Count, stores.Select(s => s.Spec.Metadata!.Single(m => m.Name == "schemaName").Value).Distinct().Count());
        if (overlay == "eks")
        {
            // RDS certificates are verified against the RDS CA bundle mounted into daprd.
            Assert.All(stores, s => Assert.Equal("/etc/rds-ca/global-bundle.pem", s.Spec.Metadata!.Single(m => m.Name == "pemPath").Value));
            var composed = ComposedOverlay.Load(overlay);
            foreach (var appId in stores.SelectMany(s => s.Scopes!).Distinct())
            {
                var deployment = composed.Deployments.Single(d => d.Metadata.Name == appId);
                Assert.Equal("rds-ca:/etc/rds-ca", deployment.Spec.Template.Metadata.Annotations["dapr.io/volume-mounts"]);
                Assert.Equal("rds-ca", deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == "rds-ca").ConfigMap.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_topic_is_scoped_and_each_app_publishes_only_its_own_events(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);
        var pubsub = composed.Components.Single(c => c.Spec.Type.StartsWith("pubsub.", StringComparison.Ordinal));
        var ns = composed.Deployments[0].Metadata.NamespaceProperty;
        string Meta(string name) => pubsub.Spec.Metadata!.Single(m => m.Name == name).Value!;
        Dictionary<string, string[]> Scopes(string name) => Meta(name).Split(';').Select(e => e.Split('='))
            .ToDictionary(e => e[0], e => e[1].Split(',', StringSplitOptions.RemoveEmptyEntries));

        var publishing = Scopes("publishingScopes");
        var subscribing = Scopes("subscriptionScopes");
        // Every app that loads the pub/sub has an entry in both (an app without one could use any unprotected topic).
        Assert.Equal(pubsub.Scopes!.Order(), publishing.Keys.Order());
        Assert.Equal(pubsub.Scopes!.Order(), subscribing.Keys.Order());
        var topics = new[] { "catalog", "orders", "inventory", "payments", "fulfilment" };
        Assert.Equal(topics.Order(), Meta("protectedTopics").Split(',').Order());
        // One publisher per topic; the outbox hand-off topic carries the cluster's namespace, as daprd names it.
        Assert.All(topics, t => Assert.Single(publishing, p => p.Value.Contains(t)));
        foreach (var service in Needs.Services.Where(s => s.Uses.Any(u => u.OutboxTopic is not null)))
        {
            var outboxTopic = service.Uses.Single(u => u.OutboxTopic is not null).OutboxTopic!;
            Assert.Contains($"{ns}{service.AppId}{outboxTopic}outbox", publishing[service.AppId]);
            Assert.Contains(outboxTopic, publishing[service.AppId]);
        }
        Assert.Empty(publishing["cart"]);
        Assert.Empty(publishing["notification"]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_sidecar_configuration_allows_only_the_dapr_apis_the_shop_uses(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);
        var unused = new[] { "bindings", "configuration", "lock", "unlock", "crypto", "subtlecrypto", "jobs", "shutdown", "conversation", "subscribe" };
        var names = composed.Deployments.Where(HasSidecar).Select(d => d.Spec.Template.Metadata.Annotations["dapr.io/config"]).ToHashSet();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            var spec = System.Text.Json.JsonSerializer.SerializeToNode(composed.Configurations.Single(c => c.Metadata.Name == name).Spec)!;
            var allowed = (spec["api"]?["allowed"]?.AsArray() ?? []).Select(r => (Name: (string)r!["name"]!, Protocol: (string?)r["protocol"])).ToArray();
            Assert.True(allowed.Length > 0, $"{name} has no API allow-list: every Dapr API is on");
            Assert.All(allowed, r => Assert.Contains(r.Protocol, new[] { "http", "grpc" })); // a rule without a protocol matches nothing
            Assert.DoesNotContain(allowed, r => unused.Contains(r.Name));
            // The secrets API is on only where the secret scope lets the app read a secret.
            var readsSecrets = (spec["secrets"]?["scopes"]?.AsArray() ?? []).Any(scope => scope?["allowedSecrets"]?.AsArray().Count > 0);
            Assert.Equal(readsSecrets, allowed.Any(r => r.Name == "secrets"));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_secret_is_readable_through_the_secrets_api_by_the_one_app_that_needs_it(string overlay)
    {
        var composed = ComposedOverlay.Load(overlay);
        var readable = composed.Deployments.Where(HasSidecar).ToDictionary(
            d => d.Spec.Template.Metadata.Annotations["dapr.io/app-id"],
            d =>
            {
                var spec = System.Text.Json.JsonSerializer.SerializeToNode(
                    composed.Configurations.Single(c => c.Metadata.Name == d.Spec.Template.Metadata.Annotations["dapr.io/config"]).Spec)!;
                var secretsApi = (spec["api"]?["allowed"]?.AsArray() ?? []).Any(r => (string?)r!["name"] == "secrets");
                var allowed = (spec["secrets"]?["scopes"]?.AsArray() ?? []).SelectMany(scope => scope?["allowedSecrets"]?.AsArray() ?? [])
                    .Select(n => (string)n!).Order().ToArray();
                return secretsApi ? allowed : [];
            });

        Assert.Equal(["jwt-signing-key"], readable["gateway"]);
        Assert.Equal(["courier-webhook-key"], readable["fulfilment"]);
        Assert.All(readable.Where(r => r.Key is not ("gateway" or "fulfilment")), r => Assert.True(r.Value.Length == 0, $"{r.Key} may read {string.Join(", ", r.Value)}"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policies_block_the_cloud_metadata_endpoint_for_every_pod(string overlay)
    {
        var policy = ComposedOverlay.Load(overlay).All<V1NetworkPolicy>().Single(p => p.Metadata.Name == "deny-cloud-metadata");

        Assert.Empty(policy.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(["Egress"], policy.Spec.PolicyTypes);
        var blocks = Assert.Single(policy.Spec.Egress).To.Select(t => t.IpBlock).ToList();
        Assert.Contains(blocks, b => b.Cidr == "0.0.0.0/0" && b.Except.SequenceEqual(["169.254.169.254/32"]));
        Assert.Contains(blocks, b => b.Cidr == "::/0" && b.Except.SequenceEqual(["fd00:ec2::254/128"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_edge_caps_bodies_like_the_gateway_and_pins_each_client_to_one_gateway_replica(string overlay)
    {
        var ingress = ComposedOverlay.Load(overlay).All<V1Ingress>().Single(i => i.Metadata.Name == "gateway");
        var gatewaySettings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repository.Path("services", "Gateway", "appsettings.json")));
        var gatewayLimit = gatewaySettings.RootElement.GetProperty("GatewayOptions").GetProperty("MaxRequestBodyBytes").GetInt64();

        Assert.Equal($"{gatewayLimit / 1024}k", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Equal("$remote_addr", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/upstream-hash-by"]);
    }

    [GeneratedRegex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9/_.-]+@sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestReference();
}
