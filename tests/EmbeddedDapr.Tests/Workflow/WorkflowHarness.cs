using Dapr.Workflow;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Flipkart.Testing;
using Flipkart.EmbeddedDapr.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>
/// The sidecar under test plus a workflow app: a generic host running the official <c>Dapr.Workflow</c> worker
/// (connected to the sidecar's gRPC port, as in production) with the workflows a test registers, and the SDK's
/// <see cref="DaprWorkflowClient"/>. The app can be stopped and started again (a restart of the app process).
/// </summary>
public sealed class WorkflowHarness : IAsyncDisposable
{
    public const string AppId = "workflow-app";

    /// <summary>daprd runs workflows only with placement and scheduler services and an actor state store.</summary>
    public const string DaprdReason =
        "workflows on daprd need the placement and scheduler services and an actor state store; the suite launches a bare daprd without them";

    public static string[] Resources(string extra = "", bool actorStateStore = true) =>
    [
        ConformanceResources.Component("statestore", "state.in-memory", metadata: actorStateStore ? "- name: actorStateStore\n  value: \"true\"" : ""),
        .. extra.Length > 0 ? [extra] : Array.Empty<string>(),
    ];

    private readonly Action<WorkflowRuntimeOptions> register;
    private IHost? app;

    private WorkflowHarness(Sut sut, Action<WorkflowRuntimeOptions> register)
    {
        Sut = sut;
        this.register = register;
    }

    public Sut Sut { get; }

    public DaprWorkflowClient Client => app!.Services.GetRequiredService<DaprWorkflowClient>();

    public WorkflowCluster Workflows => WorkflowModule.ClusterOf(Sut.Cluster!);

    internal WorkflowEngine Engine => Workflows.Engine(AppId)!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<WorkflowHarness> StartAsync(string target, Action<WorkflowRuntimeOptions> register, string extraResources = "", bool actorStateStore = true)
    {
        var sut = await Sut.StartAsync(target, new SutSpec
        {
            AppId = AppId,
            Resources = Resources(extraResources, actorStateStore),
            EmbeddedOnlyReason = DaprdReason,
        });
        var harness = new WorkflowHarness(sut, register);
        await harness.StartAppAsync();
        return harness;
    }

    /// <summary>Starts the workflow app and waits until its worker stream is connected.</summary>
    public async Task StartAppAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_GRPC_ENDPOINT"] = Sut.GrpcEndpoint.ToString().TrimEnd('/'),
            ["DAPR_HTTP_ENDPOINT"] = Sut.HttpEndpoint.ToString().TrimEnd('/'),
        });
        builder.Services.AddDaprWorkflow(register);
        app = builder.Build();
        await app.StartAsync(Ct);
        await Eventually.TrueAsync(() => Workflows.ConnectedWorkers(AppId) > 0, "the workflow worker connects");
    }

    /// <summary>Stops the app (its worker stream closes; whatever it was running is abandoned).</summary>
    public async Task StopAppAsync()
    {
        if (app is { } running)
        {
            app = null;
            await running.StopAsync(CancellationToken.None);
            running.Dispose();
            await Eventually.TrueAsync(() => Workflows.ConnectedWorkers(AppId) == 0, "the workflow worker disconnects");
        }
    }

    public async Task RestartAppAsync()
    {
        await StopAppAsync();
        await StartAppAsync();
    }

    /// <summary>Reminders of the instance's workflow actor whose name starts with <c>timer-</c>.</summary>
    internal IReadOnlyList<WorkflowReminder> Timers(string instanceId) =>
        Engine.Reminders.Snapshot().Where(r => r.ActorType == Engine.WorkflowActorType && r.ActorId == instanceId && r.Name.StartsWith("timer-", StringComparison.Ordinal)).ToList();

    /// <summary>Waits for a durable timer of the instance that is not due yet, then moves the fake clock to its fire time.</summary>
    public async Task FireNextTimerAsync(string instanceId)
    {
        var clock = Sut.Clock!;
        WorkflowReminder? timer = null;
        await Eventually.TrueAsync(
            () => (timer = Timers(instanceId).Where(r => r.Due > clock.GetUtcNow()).MinBy(r => r.Due)) is not null,
            $"a durable timer of {instanceId} is scheduled");
        clock.Advance(timer!.Due - clock.GetUtcNow());
    }

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        await Sut.DisposeAsync();
    }
}
