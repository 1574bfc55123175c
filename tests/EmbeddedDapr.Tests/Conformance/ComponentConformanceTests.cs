using System.Diagnostics;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>Start-up validation of the resources folder: what an operator sees when a file is wrong.</summary>
public class ComponentConformanceTests
{
    private static CancellationToken Ct => Sut.Ct;

    private static readonly string Redis = ConformanceResources.Component("cache", "state.redis", metadata: "- name: redisHost\n  value: localhost:6379");

    /// <summary>Embedded: StartAsync throws; daprd: the process exits non-zero.</summary>
    private static async Task<string> AssertRefusesToStartAsync(string target, params string[] yaml)
    {
        if (target == Targets.Embedded)
        {
            var options = new EmbeddedDaprClusterOptions();
            foreach (var doc in yaml)
            {
                options.ResourceYaml.Add(doc);
            }
            var ex = await Assert.ThrowsAsync<DaprResourceException>(() => EmbeddedDaprCluster.StartAsync(options, Ct));
            return ex.Message;
        }
        if (Targets.DaprdOnPath is not { } daprd)
        {
            Assert.Skip(Targets.HasDaprdEndpoints
                ? "daprd target: start-up failures need daprd on PATH to launch it with a broken resources folder"
                : Targets.NoDaprdReason);
            throw new UnreachableException();
        }
        var dir = Directory.CreateTempSubdirectory("daprd-startup-");
        for (var i = 0; i < yaml.Length; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, $"r{i}.yaml"), yaml[i], Ct);
        }
        using var process = Process.Start(new ProcessStartInfo(daprd, ["--app-id", "startup", "--resources-path", dir.FullName])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, process.ExitCode);
        return await output;
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Malformed_yaml_refuses_to_start(string target)
    {
        var message = await AssertRefusesToStartAsync(target, "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: [unclosed\n");

        if (target == Targets.Embedded)
        {
            Assert.StartsWith("error parsing resources file inline[0]", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Two_components_with_one_name_refuse_to_start(string target)
    {
        var message = await AssertRefusesToStartAsync(target, Redis, ConformanceResources.Component("cache", "state.in-memory"));

        if (target == Targets.Embedded)
        {
            Assert.StartsWith("duplicate definition of Component name cache", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Two_actor_state_stores_refuse_to_start(string target)
    {
        const string actor = "- name: actorStateStore\n  value: \"true\"";
        var message = await AssertRefusesToStartAsync(target,
            ConformanceResources.Component("actors-a", "state.in-memory", metadata: actor),
            ConformanceResources.Component("actors-b", "state.in-memory", metadata: actor));

        if (target == Targets.Embedded)
        {
            Assert.StartsWith("detected duplicate actor state store", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task An_unknown_component_type_refuses_to_start(string target)
    {
        var message = await AssertRefusesToStartAsync(target, ConformanceResources.Component("weird", "state.nosuchdb"));

        if (target == Targets.Embedded)
        {
            Assert.Equal("[INIT_COMPONENT_FAILURE]: initialization error occurred for weird (state.nosuchdb/v1): couldn't find state store state.nosuchdb/v1", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Missing_required_metadata_refuses_to_start(string target)
    {
        var message = await AssertRefusesToStartAsync(target, ConformanceResources.Component("cassandra", "state.cassandra"));

        if (target == Targets.Embedded)
        {
            Assert.EndsWith("missing or empty hosts field from metadata", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_key_prefix_containing_double_pipe_refuses_to_start(string target)
    {
        var message = await AssertRefusesToStartAsync(target,
            ConformanceResources.Component("bad-prefix", "state.in-memory", metadata: "- name: keyPrefix\n  value: a||b"));

        if (target == Targets.Embedded)
        {
            Assert.Contains("can't contain '||'", message);
        }
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_broken_component_with_ignoreErrors_is_skipped_and_the_rest_loads(string target)
    {
        var broken = ConformanceResources.Component("cassandra", "state.cassandra", extra: "").Replace("  version: v1", "  version: v1\n  ignoreErrors: true");
        await using var sut = await Sut.StartAsync(target, new SutSpec { Resources = [broken, ConformanceResources.Component("statestore", "state.in-memory")] });

        var metadata = await sut.Dapr.GetMetadataAsync(Ct);

        Assert.Equal(["statestore"], metadata.Components.Select(c => c.Name));
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task Component_types_of_other_building_blocks_are_accepted(string target)
    {
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = "daprd would try to reach the Kafka/RabbitMQ/Redis brokers at start-up",
            Resources =
            [
                ConformanceResources.Component("kafka", "pubsub.kafka", metadata: "- name: brokers\n  value: localhost:9092\n- name: authType\n  value: none"),
                ConformanceResources.Component("rabbit", "pubsub.rabbitmq", metadata: "- name: connectionString\n  value: amqp://localhost:5672"),
                ConformanceResources.Component("streams", "pubsub.redis", metadata: "- name: redisHost\n  value: localhost:6379"),
                ConformanceResources.Component("memory", "pubsub.in-memory"),
                ConformanceResources.Component("ratelimit", "middleware.http.ratelimit", metadata: "- name: maxRequestsPerSecond\n  value: 10"),
                ConformanceResources.Component("k8s", "secretstores.kubernetes"),
            ],
        });

        var metadata = await sut.Dapr.GetMetadataAsync(Ct);

        Assert.Equal(6, metadata.Components.Count);
        var ex = await Errors.ThrowsRpc(() => sut.Dapr.GetSecretAsync("k8s", "anything", cancellationToken: Ct));
        Assert.Equal(Grpc.Core.StatusCode.Internal, ex.StatusCode);
    }

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task SecretKeyRef_resolves_component_metadata_through_the_named_secret_store(string target)
    {
        var store = ConformanceResources.Component("prefixed", "state.in-memory", extra: "auth:\n  secretStore: secretstore")
            .Replace("  metadata:\n", "  metadata:\n  - name: keyPrefix\n    secretKeyRef:\n      name: db:user\n      key: db:user\n");
        await using var sut = await Sut.StartAsync(target, new SutSpec
        {
            EmbeddedOnlyReason = "inspects the stored key to observe the resolved keyPrefix",
            Resources = [ConformanceResources.Default.Single(r => r.Contains("name: secretstore")), store],
        });

        await sut.Dapr.SaveStateAsync("prefixed", "k", 1, cancellationToken: Ct);

        Assert.Equal(["admin||k"], sut.Cluster!.StateStores["prefixed"].Backend.Keys);
    }

    [Fact]
    public async Task A_resources_folder_with_multi_document_files_loads_every_document()
    {
        var dir = Directory.CreateTempSubdirectory("resources-");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "stores.yaml"),
            ConformanceResources.Component("one", "state.in-memory") + "\n---\n" + ConformanceResources.Component("two", "state.redis",
                metadata: "- name: redisHost\n  value: localhost:6379"), Ct);
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "resiliency.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: policies
            spec:
              policies:
                retries:
                  three:
                    policy: constant
                    duration: 1s
                    maxRetries: 3
            """, Ct);
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "config.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: appconfig
            spec:
              features:
              - name: ActorStateTTL
                enabled: true
              httpPipeline:
                handlers:
                - name: ratelimit
                  type: middleware.http.ratelimit
            """, Ct);

        await using var cluster = await EmbeddedDaprCluster.StartAsync(new EmbeddedDaprClusterOptions { ResourcesPath = dir.FullName }, Ct);
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "reader" }, Ct);

        Assert.Equal(["one", "two"], cluster.StateStores.Keys.Order());
        Assert.Equal(3, cluster.Resources.OfKind("Resiliency").Single().Spec["policies"]!["retries"]!["three"]!["maxRetries"]!.GetValue<long>());
        Assert.True(sidecar.Context.Configuration!.IsFeatureEnabled("ActorStateTTL"));
        Assert.Equal("ratelimit", sidecar.Context.Configuration.HttpPipeline.Single().Name);
    }
}
