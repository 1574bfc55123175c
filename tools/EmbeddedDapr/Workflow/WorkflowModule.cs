using System.Globalization;
using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Actors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Workflow;

/// <summary>
/// Dapr Workflow in the embedded sidecar: one <see cref="WorkflowEngine"/> per app-id (shared by its replicas, as
/// placement shares one workflow actor among them), the <c>TaskHubSidecarService</c> on every sidecar's gRPC port,
/// the <c>/v1.0/workflows/…</c> HTTP API, and GetMetadata's <c>workflows.connectedWorkers</c>.
/// </summary>
public sealed class WorkflowModule : ISidecarModule
{
    /// <summary>The workflow runtime of a cluster (tests read engines and reminders through it).</summary>
    public static WorkflowCluster ClusterOf(EmbeddedDaprCluster cluster) =>
        cluster.Features.GetOrAdd(() => new WorkflowCluster(cluster));

    public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster)
    {
        var workflows = ClusterOf(cluster);
        services.AddSingleton(_ => workflows);
    }

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar)
    {
        var engine = ClusterOf(sidecar.Cluster).EngineFor(sidecar);
        services.AddSingleton(new WorkflowSidecar(sidecar, engine));
        services.AddSingleton<WorkflowApi>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<TaskHubService>, TaskHubMethodProvider>());
        services.AddSingleton<IMetadataContributor, WorkflowMetadataContributor>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar)
    {
        endpoints.MapGrpcService<TaskHubService>();
        endpoints.MapWorkflowHttpApi();
    }

    public Task OnSidecarStoppingAsync(SidecarContext sidecar)
    {
        // daprd closes every work-item stream on shutdown ("shutting down"), so the worker reconnects elsewhere.
        sidecar.Services.GetService<WorkflowSidecar>()?.Stop();
        return Task.CompletedTask;
    }
}

/// <summary>The engines of one cluster, by app-id, on the cluster's clock.</summary>
public sealed class WorkflowCluster : IDisposable
{
    private readonly EmbeddedDaprCluster cluster;
    private readonly Dictionary<string, WorkflowEngine> engines = new(StringComparer.Ordinal);
    private readonly ActorScheduler scheduler;

    internal WorkflowCluster(EmbeddedDaprCluster cluster)
    {
        this.cluster = cluster;
        scheduler = new ActorScheduler(cluster.TimeProvider);
    }

    /// <summary>Workflow reminders (start, new-event, timers, activities) not yet done, across the cluster.</summary>
    public int PendingReminders
    {
        get
        {
            lock (engines)
            {
                return engines.Values.Sum(e => e.Reminders.Count);
            }
        }
    }

    /// <summary>Connected <c>GetWorkItems</c> streams of an app-id.</summary>
    public int ConnectedWorkers(string appId)
    {
        lock (engines)
        {
            return engines.TryGetValue(appId, out var engine) ? engine.Hub.ConnectedWorkers : 0;
        }
    }

    internal WorkflowEngine? Engine(string appId)
    {
        lock (engines)
        {
            return engines.GetValueOrDefault(appId);
        }
    }

    internal WorkflowEngine EngineFor(SidecarContext sidecar)
    {
        lock (engines)
        {
            if (engines.TryGetValue(sidecar.AppId, out var existing))
            {
                return existing;
            }

            var engine = new WorkflowEngine(
                sidecar.AppId,
                Environment.GetEnvironmentVariable("NAMESPACE") ?? "default",
                () => StoreOf(sidecar),
                scheduler,
                OptionsOf(sidecar),
                sidecar.Logger);
            engines[sidecar.AppId] = engine;
            return engine;
        }
    }

    /// <summary>The actor state store as a running replica of the app-id sees it (resiliency included).</summary>
    private IActorStateStore? StoreOf(SidecarContext first)
    {
        var replica = cluster.GetSidecars(first.AppId).FirstOrDefault()?.Context ?? first;
        return replica.Sidecar.IsRunning ? StateStoreActorStore.For(replica, replica.Services) : null;
    }

    /// <summary>daprd reads these from the Configuration's <c>spec.workflow</c>.</summary>
    private static WorkflowOptions OptionsOf(SidecarContext sidecar)
    {
        var spec = sidecar.Configuration?.Document.Spec["workflow"] as JsonObject;
        return new WorkflowOptions
        {
            MaxConcurrentWorkflowInvocations = IntOf(spec?["maxConcurrentWorkflowInvocations"]),
            MaxConcurrentActivityInvocations = IntOf(spec?["maxConcurrentActivityInvocations"]),
        };
    }

    private static int? IntOf(JsonNode? node) =>
        node is not null && int.TryParse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    public void Dispose() => scheduler.Dispose();
}

/// <summary>What one sidecar run needs for the workflow APIs: its app-id's engine and a stop signal for its streams.</summary>
internal sealed class WorkflowSidecar(SidecarContext sidecar, WorkflowEngine engine)
{
    private readonly CancellationTokenSource stopping = new();
    private int streams;

    public WorkflowEngine Engine { get; } = engine;

    /// <summary>daprd counts the <c>GetWorkItems</c> streams connected to itself.</summary>
    public int ConnectedWorkers => Volatile.Read(ref streams);

    public IDisposable TrackStream()
    {
        Interlocked.Increment(ref streams);
        return new Untrack(this);
    }

    private sealed class Untrack(WorkflowSidecar owner) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                Interlocked.Decrement(ref owner.streams);
            }
        }
    }
    public TimeProvider Time => sidecar.TimeProvider;
    public ILogger Logger => sidecar.Logger;
    public CancellationToken Stopping => stopping.Token;

    public void Stop() => stopping.Cancel();
}

/// <summary>GetMetadata's <c>workflows</c>: the worker streams connected to this app-id's engine.</summary>
internal sealed class WorkflowMetadataContributor(WorkflowSidecar workflows) : IMetadataContributor
{
    public void Contribute(GetMetadataResponse response, SidecarContext sidecar) =>
        response.Workflows = new MetadataWorkflows { ConnectedWorkers = workflows.ConnectedWorkers };
}
