using System.Text.Json.Nodes;
using Flipkart.ComponentLint.Linting;
using Flipkart.ComponentLint.Needs;
using Flipkart.ComponentLint.Resources;
using Flipkart.ComponentLint.Yaml;
using k8s.Models;

namespace Flipkart.Deployment.Tests;

/// <summary>
/// Composes k8s/aks and k8s/eks like `kustomize build`, loads every manifest into typed Kubernetes objects
/// and checks that the cluster would run the same system as dapr.yaml and components/ describe.
/// </summary>
[Unit]
public sealed class KubernetesManifestTests
{
    private const string Namespace = "flipkart";

    private static readonly ServiceNeeds Needs = ServiceNeeds.Load(Repository.Path("components", "service-needs.yaml"));

    public static TheoryData<string, string> Overlays => new() { { "aks", "rabbitmq-mysql" }, { "eks", "kafka-cassandra" } };

    /// <summary>
    /// The rule for deployments without a Dapr sidecar: only these, each a client of the gateway's public API that uses
    /// no building block (so no component scope, access policy or service-needs entry names it). Every other
    /// deployment runs with a sidecar. Adding a sidecar-less app means adding it here, on purpose.
    /// </summary>
    private static readonly string[] GatewayClients = ["storefront"];

    private static bool HasSidecar(V1Deployment d) => d.Spec.Template.Metadata.Annotations?.ContainsKey("dapr.io/enabled") == true;

    private static IEnumerable<V1Deployment> DaprApps(ComposedOverlay composed) => composed.Deployments.Where(HasSidecar);

    /// <summary>The Dapr app-id, or for a sidecar-less gateway client its name (the app-id it has in dapr.yaml).</summary>
    private static string AppId(V1Deployment d) => HasSidecar(d) ? d.Spec.Template.Metadata.Annotations["dapr.io/app-id"] : d.Metadata.Name;

    /// <summary>The port the app listens on: the sidecar's app-port where there is one, else the container's http port.</summary>
    private static int AppPort(V1Deployment d) => HasSidecar(d)
        ? int.Parse(d.Spec.Template.Metadata.Annotations["dapr.io/app-port"], System.Globalization.CultureInfo.InvariantCulture)
        : Assert.Single(App(d).Ports, p => p.Name == "http").ContainerPort;

    private static V1Container App(V1Deployment d) => Assert.Single(d.Spec.Template.Spec.Containers);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_manifest_loads_strictly_into_a_typed_object(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);

        Assert.Equal(composed.Manifests.Count, composed.Objects.Count);
        Assert.Single(composed.All<V1Namespace>(), n => n.Metadata.Name == Namespace);
        // Eight Dapr apps and the storefront; one ingress for the API, one for the shop's pages. Services only where
        // a caller needs one: the gateway (ingress, storefront) and the storefront (ingress); sidecars reach apps locally.
        Assert.Equal(9, composed.Deployments.Count);
        Assert.Equal(["gateway", "storefront"], composed.All<V1Service>().Select(s => s.Metadata.Name).Order());
        Assert.Equal(9, composed.All<V2HorizontalPodAutoscaler>().Count());
        Assert.Equal(9, composed.All<V1PodDisruptionBudget>().Count());
        Assert.Equal(9, composed.All<V1ServiceAccount>().Count());
        Assert.Equal(["gateway", "storefront"], composed.All<V1Ingress>().Select(i => i.Metadata.Name).Order());
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_deployed_app_ids_are_the_services_of_service_needs(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);

        Assert.Equal(Needs.AppIds.Order(), DaprApps(composed).Select(AppId).Order());
        Assert.Equal(GatewayClients.Order(), composed.Deployments.Where(d => !HasSidecar(d)).Select(d => d.Metadata.Name).Order());
        Assert.All(composed.Deployments, d => Assert.Equal(d.Metadata.Name, AppId(d)));
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void App_ids_ports_and_configurations_match_dapr_yaml(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var run = RunFile.Load().ToDictionary(a => a.AppId);

        Assert.Equal(run.Keys.Order(), composed.Deployments.Select(AppId).Order());
        foreach (var deployment in composed.Deployments)
        {
            var app = run[AppId(deployment)];
            Assert.Equal(app.AppPort, AppPort(deployment));
            if (HasSidecar(deployment))
            {
                Assert.Equal(app.ConfigurationName, deployment.Spec.Template.Metadata.Annotations["dapr.io/config"]);
            }
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_app_listens_on_the_port_its_sidecar_and_service_use(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        foreach (var deployment in composed.Deployments)
        {
            var port = AppPort(deployment);
            var container = App(deployment);
            Assert.Equal(port, Assert.Single(container.Ports, p => p.Name == "http").ContainerPort);
            Assert.Equal($"http://+:{port}", Assert.Single(container.Env, e => e.Name == "ASPNETCORE_URLS").Value);

            if (composed.All<V1Service>().SingleOrDefault(s => s.Metadata.Name == deployment.Metadata.Name) is not { } service)
            {
                continue;
            }
            Assert.Equal(deployment.Spec.Template.Metadata.Labels["app.kubernetes.io/name"], service.Spec.Selector["app.kubernetes.io/name"]);
            var servicePort = Assert.Single(service.Spec.Ports);
            Assert.Equal(port, servicePort.Port);
            Assert.Equal("http", servicePort.TargetPort.Value);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_app_runs_with_a_configuration_the_overlay_deploys_and_service_needs_names(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var configurations = composed.Configurations.Select(c => c.Metadata.Name).ToHashSet();

        foreach (var deployment in DaprApps(composed))
        {
            var config = deployment.Spec.Template.Metadata.Annotations["dapr.io/config"];
            Assert.Contains(config, configurations);
            Assert.Equal(Needs.Services.Single(s => s.AppId == AppId(deployment)).Config, config);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_dapr_resources_are_the_profile_files_not_copies(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var folder = Repository.Path("components", profile);
        var fromProfile = Profile.Load([folder]).Resources.Select(r => $"{r.Kind}/{r.Name}").Order();
        var deployed = composed.Manifests.Where(m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal))
            .Select(m => $"{m.Kind}/{m.Name}").Order();

        Assert.Equal(fromProfile, deployed);
        Assert.All(composed.Manifests.Where(m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal)),
            m => Assert.StartsWith(folder + Path.DirectorySeparatorChar, m.Source, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_composed_dapr_resources_pass_the_capability_lint(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var overlayFolder = Directory.CreateTempSubdirectory($"composed-{overlay}-");
        try
        {
            // Written out one file per resource, the composed resources are a resources folder like any profile.
            foreach (var manifest in composed.Manifests.Where(m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal)))
            {
                File.WriteAllText(Path.Combine(overlayFolder.FullName, $"{manifest.Kind}-{manifest.Name}.yaml"), manifest.Json.ToJsonString());
            }
            var result = new ProfileLinter(Needs, Repository.Root).Lint(Profile.Load([overlayFolder.FullName]));

            Assert.Empty(result.Findings.Select(f => f.ToString()));
        }
        finally
        {
            overlayFolder.Delete(recursive: true);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Component_scopes_name_only_deployed_apps_and_include_every_user(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var deployed = composed.Deployments.Select(AppId).ToHashSet();

        foreach (var component in composed.Components)
        {
            Assert.NotNull(component.Scopes);
            Assert.All(component.Scopes, scope => Assert.Contains(scope, deployed));
        }
        foreach (var service in Needs.Services)
        {
            foreach (var use in service.Uses)
            {
                var component = Assert.Single(composed.Components, c => c.Metadata.Name == use.Component);
                Assert.Contains(service.AppId, component.Scopes!);
            }
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Everything_lives_in_the_shop_namespace_and_access_control_is_deny_by_default(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);

        Assert.All(composed.Manifests.Where(m => m.Kind != "Namespace"), m => Assert.Equal(Namespace, m.Namespace));
        foreach (var name in new[] { "appconfig", "gateway-config", "fulfilment-config" })
        {
            var acl = composed.Json("Configuration", name)["spec"]!["accessControl"]!;
            Assert.Equal("deny", acl["defaultAction"]!.GetValue<string>());
            Assert.All((acl["policies"] as JsonArray ?? []).OfType<JsonObject>(),
                p => Assert.Equal(Namespace, p["namespace"]!.GetValue<string>()));
            var tracing = composed.Json("Configuration", name)["spec"]!["tracing"]!.AsObject();
            Assert.False(tracing.ContainsKey("zipkin"));
            Assert.EndsWith(":4317", tracing["otel"]!["endpointAddress"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void No_component_still_points_at_a_laptop(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);

        foreach (var component in composed.Components)
        {
            Assert.NotEqual("secretstores.local.file", component.Spec.Type);
            Assert.All(component.Spec.Metadata ?? [], m => Assert.DoesNotContain("localhost", m.Value ?? "", StringComparison.Ordinal));
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_deployment_is_probed_hardened_and_token_protected(string overlay, string profile)
    {
        foreach (var deployment in ComposedOverlay.Load(overlay).Deployments)
        {
            var pod = deployment.Spec.Template.Spec;
            var container = App(deployment);
            var annotations = deployment.Spec.Template.Metadata.Annotations;

            Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
            Assert.Equal("http", container.ReadinessProbe.HttpGet.Port.Value);
            Assert.Equal("http", container.LivenessProbe.HttpGet.Port.Value);

            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.True(container.SecurityContext.RunAsNonRoot);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.NotNull(container.Resources.Requests);
            Assert.NotNull(container.Resources.Limits);

            if (!HasSidecar(deployment))
            {
                // A gateway client: no half-configured sidecar, and no Dapr token it could leak.
                Assert.Contains(deployment.Metadata.Name, GatewayClients);
                Assert.DoesNotContain(annotations ?? new Dictionary<string, string>(), a => a.Key.StartsWith("dapr.io/", StringComparison.Ordinal));
                Assert.DoesNotContain(container.Env, e => e.Name is "DAPR_API_TOKEN" or "APP_API_TOKEN" || e.Name.StartsWith("DAPR_", StringComparison.Ordinal));
                continue;
            }
            Assert.Equal("true", annotations["dapr.io/enabled"]);
            Assert.Equal("true", annotations["dapr.io/log-as-json"]);
            foreach (var key in new[] { "cpu-request", "cpu-limit", "memory-request", "memory-limit" })
            {
                Assert.True(annotations.ContainsKey($"dapr.io/sidecar-{key}"), $"{deployment.Metadata.Name}: dapr.io/sidecar-{key}");
            }
            var apiToken = annotations["dapr.io/api-token-secret"];
            Assert.Equal(apiToken, Assert.Single(container.Env, e => e.Name == "DAPR_API_TOKEN").ValueFrom.SecretKeyRef.Name);
            Assert.Equal(annotations["dapr.io/app-token-secret"], Assert.Single(container.Env, e => e.Name == "APP_API_TOKEN").ValueFrom.SecretKeyRef.Name);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_container_runs_with_the_gen0_budget_the_local_run_has(string overlay, string profile)
    {
        // The runtime reads this knob from the environment only, so each deployment way sets it (docs/performance.md).
        var local = RunFile.CommonEnv()["DOTNET_GCgen0size"];
        Assert.Equal("0x400000", local);
        foreach (var deployment in ComposedOverlay.Load(overlay).Deployments)
        {
            Assert.Equal(local, Assert.Single(App(deployment).Env, e => e.Name == "DOTNET_GCgen0size").Value);
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Autoscalers_budgets_and_the_ingress_point_at_what_exists(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var deployments = composed.Deployments.ToDictionary(d => d.Metadata.Name);

        foreach (var hpa in composed.All<V2HorizontalPodAutoscaler>())
        {
            Assert.Equal("Deployment", hpa.Spec.ScaleTargetRef.Kind);
            Assert.Contains(hpa.Spec.ScaleTargetRef.Name, deployments.Keys);
            Assert.True(hpa.Spec.MinReplicas >= 2, $"{hpa.Metadata.Name}: at least two replicas, so the PDB never blocks a drain");
            Assert.Null(deployments[hpa.Spec.ScaleTargetRef.Name].Spec.Replicas);
        }
        foreach (var pdb in composed.All<V1PodDisruptionBudget>())
        {
            var labels = deployments[pdb.Metadata.Name].Spec.Template.Metadata.Labels;
            Assert.All(pdb.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, labels[kv.Key]));
        }
        foreach (var ingress in composed.All<V1Ingress>())
        {
            // The API ingress leads to the gateway, the shop's to the storefront; each over TLS for its one host.
            Assert.Equal("nginx", ingress.Spec.IngressClassName);
            var rule = Assert.Single(ingress.Spec.Rules);
            Assert.Equal(rule.Host, Assert.Single(Assert.Single(ingress.Spec.Tls).Hosts));
            var backend = Assert.Single(rule.Http.Paths).Backend.Service;
            Assert.Equal(ingress.Metadata.Name, backend.Name);
            Assert.Contains(composed.All<V1Service>(), s => s.Metadata.Name == backend.Name && s.Spec.Ports.Any(p => p.Name == backend.Port.Name));
        }
        Assert.Equal(2, composed.All<V1Ingress>().Select(i => i.Spec.Rules[0].Host).Distinct().Count());
        Assert.NotEmpty(profile);
    }

    [Fact]
    public void Each_profile_kustomization_lists_exactly_its_dapr_files()
    {
        foreach (var folder in Directory.GetDirectories(Repository.Path("components")))
        {
            var kustomization = (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(File.ReadAllText(Path.Combine(folder, "kustomization.yaml"))).Single()!;
            var listed = kustomization.Strings("resources").Order();
            var files = Directory.GetFiles(folder, "*.yaml").Select(Path.GetFileName).OfType<string>()
                .Where(f => f != "kustomization.yaml").Order();

            Assert.Equal(files, listed);
        }
    }

    [Fact]
    public void A_patch_whose_test_no_longer_matches_fails_the_composition()
    {
        var resource = JsonNode.Parse("""{"spec":{"metadata":[{"name":"redisDB","value":"2"},{"name":"redisHost","value":"localhost:6379"}]}}""")!;
        var patch = JsonNode.Parse("""[{"op":"test","path":"/spec/metadata/0/name","value":"redisHost"},{"op":"replace","path":"/spec/metadata/0/value","value":"x"}]""")!.AsArray();

        var error = Assert.Throws<Kustomize.PatchException>(() => Kustomize.JsonPatch.Apply(resource, patch, "redis.yaml"));

        Assert.Equal("redis.yaml: test failed at /spec/metadata/0/name: expected \"redisHost\", found \"redisDB\"", error.Message);
        Assert.Equal("2", resource["spec"]!["metadata"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void The_base_alone_composes_into_typed_objects_without_any_dapr_resource()
    {
        var composed = ComposedOverlay.Load("base");

        Assert.Equal(composed.Manifests.Count, composed.Objects.Count);
        Assert.Equal(9, composed.Deployments.Count);
        Assert.DoesNotContain(composed.Manifests, m => m.ApiVersion.StartsWith("dapr.io/", StringComparison.Ordinal));
        Assert.All(composed.Deployments, d => Assert.Equal($"flipkart-dapr/{AppId(d)}:latest", App(d).Image));
    }

    [Fact]
    public void Dapr_yaml_runs_a_profile_that_passes_the_capability_lint()
    {
        var root = (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(File.ReadAllText(RunFile.FilePath)).Single()!;
        var folders = root.Map("common").Strings("resourcesPaths").Select(p => Path.GetFullPath(Path.Combine(Repository.Root, p))).ToList();

        var folder = Assert.Single(folders);
        Assert.Equal(Repository.Path("components"), Path.GetDirectoryName(folder));
        Assert.True(new ProfileLinter(Needs, Repository.Root).Lint(Profile.Load([folder])).Passed);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policies_deny_ingress_except_sidecar_traffic_and_the_edge_to_the_gateway(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var policies = composed.All<V1NetworkPolicy>().ToDictionary(p => p.Metadata.Name);

        var denyAll = policies["default-deny-ingress"];
        Assert.Empty(denyAll.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Null(denyAll.Spec.Ingress);

        var sidecars = policies["dapr-sidecar-to-sidecar"];
        Assert.Equal(50002, Assert.Single(Assert.Single(sidecars.Spec.Ingress).Ports).Port.Value is var port ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : 0);
        Assert.All(composed.Deployments, d => Assert.All(sidecars.Spec.PodSelector.MatchLabels,
            kv => Assert.Equal(kv.Value, d.Spec.Template.Metadata.Labels[kv.Key])));

        var edge = policies["ingress-to-gateway"];
        var gateway = Assert.Single(composed.Deployments, d => AppId(d) == "gateway");
        Assert.Equal(gateway.Spec.Template.Metadata.Annotations["dapr.io/app-port"], Assert.Single(Assert.Single(edge.Spec.Ingress).Ports).Port.Value);
        Assert.All(edge.Spec.PodSelector.MatchLabels, kv => Assert.Equal(kv.Value, gateway.Spec.Template.Metadata.Labels[kv.Key]));

        // Each sidecar-less client gets the edge to its own port and exactly one way in: the gateway's HTTP port.
        foreach (var client in composed.Deployments.Where(d => !HasSidecar(d)))
        {
            var name = client.Metadata.Name;
            var fromEdge = policies[$"ingress-to-{name}"];
            Assert.Equal(AppPort(client).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(Assert.Single(fromEdge.Spec.Ingress).Ports).Port.Value);
            Assert.All(fromEdge.Spec.PodSelector.MatchLabels, kv => Assert.Equal(kv.Value, client.Spec.Template.Metadata.Labels[kv.Key]));

            var toGateway = policies[$"{name}-to-gateway"];
            Assert.All(toGateway.Spec.PodSelector.MatchLabels, kv => Assert.Equal(kv.Value, gateway.Spec.Template.Metadata.Labels[kv.Key]));
            var rule = Assert.Single(toGateway.Spec.Ingress);
            Assert.Equal(AppPort(gateway).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(rule.Ports).Port.Value);
            Assert.All(Assert.Single(rule.FromProperty).PodSelector.MatchLabels, kv => Assert.Equal(kv.Value, client.Spec.Template.Metadata.Labels[kv.Key]));
        }
        Assert.NotEmpty(profile);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void A_gateway_client_calls_the_gateway_service_on_the_port_that_service_exposes(string overlay, string profile)
    {
        var composed = ComposedOverlay.Load(overlay);
        var gateway = Assert.Single(composed.All<V1Service>(), s => s.Metadata.Name == "gateway");

        foreach (var client in composed.Deployments.Where(d => !HasSidecar(d)))
        {
            var url = new Uri(Assert.Single(App(client).Env, e => e.Name == "Storefront__GatewayUrl").Value);
            Assert.Equal("http", url.Scheme);
            Assert.Equal(gateway.Metadata.Name, url.Host);
            Assert.Equal(Assert.Single(gateway.Spec.Ports).Port, url.Port);
        }
        Assert.NotEmpty(profile);
    }
}
