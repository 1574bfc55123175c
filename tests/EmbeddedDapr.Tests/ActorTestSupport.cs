using System.Collections.Concurrent;
using System.Runtime.Serialization;
using System.Text;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Flipkart.EmbeddedDapr.Actors;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>
/// Test rig for actors: an embedded cluster on a fake clock with an in-memory actor state store, sidecars on
/// dynamic ports, and real ASP.NET apps running <c>Dapr.Actors.AspNetCore</c> on 127.0.0.1:0 against them.
/// </summary>
internal sealed class ActorTestCluster : IAsyncDisposable
{
    public const string ActorStoreYaml = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: actor-store
        spec:
          type: state.in-memory
          version: v1
          metadata:
          - name: actorStateStore
            value: "true"
        """;

    private readonly List<WebApplication> apps = [];

    private ActorTestCluster(EmbeddedDaprCluster cluster, FakeTimeProvider time)
    {
        Cluster = cluster;
        Time = time;
        Actors = ActorsModule.ClusterOf(cluster);
        // Lookups of unknown types are retried like daprd (5 × 1 s); tests keep the pattern but not the wait.
        Actors.Options.LookupRetries = 2;
        Actors.Options.LookupRetryInterval = TimeSpan.FromMilliseconds(20);
    }

    public EmbeddedDaprCluster Cluster { get; }

    public FakeTimeProvider Time { get; }

    public ActorCluster Actors { get; }

    public static async Task<ActorTestCluster> StartAsync(params string[] resources)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new EmbeddedDaprClusterOptions { TimeProvider = time };
        foreach (var yaml in resources.Length == 0 ? [ActorStoreYaml] : resources)
        {
            options.ResourceYaml.Add(yaml);
        }

        return new ActorTestCluster(await EmbeddedDaprCluster.StartAsync(options, TestContext.Current.CancellationToken), time);
    }

    public async Task<TestSidecar> AddSidecarAsync(string appId, string? configuration = null)
    {
        var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = appId, ConfigurationName = configuration }, TestContext.Current.CancellationToken);
        return new TestSidecar(sidecar, new RetargetingHandler());
    }

    /// <summary>Starts an app hosting <see cref="CounterActor"/> and attaches it as <paramref name="sidecar"/>'s app.</summary>
    public async Task<WebApplication> StartAppAsync(TestSidecar sidecar, ActorProbe probe, Action<ActorRuntimeOptions>? configure = null)
    {
        var app = await StartActorAppAsync(sidecar.Url, probe, configure);
        apps.Add(app);
        sidecar.Handler.Target = new Uri(Address(app));
        if (sidecar.Sidecar.AppChannel is null)
        {
            sidecar.Sidecar.AttachApp(() => sidecar.Handler);
        }

        await sidecar.Sidecar.WaitForAppReadyAsync(TestContext.Current.CancellationToken);
        return app;
    }

    public async Task StopAppAsync(WebApplication app)
    {
        apps.Remove(app);
        await app.StopAsync(TestContext.Current.CancellationToken);
        await app.DisposeAsync();
    }

    public static async Task<WebApplication> StartActorAppAsync(string sidecarUrl, ActorProbe probe, Action<ActorRuntimeOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(probe);
        builder.Services.AddActors(options =>
        {
            options.HttpEndpoint = sidecarUrl;
            options.Actors.RegisterActor<CounterActor>();
            configure?.Invoke(options);
        });
        var app = builder.Build();
        app.MapActorsHandlers();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public async ValueTask DisposeAsync()
    {
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}

/// <summary>A sidecar and the handler its app channel goes through (retargeted when the app restarts on a new port).</summary>
internal sealed record TestSidecar(EmbeddedDaprSidecar Sidecar, RetargetingHandler Handler)
{
    public string Url => Sidecar.HttpEndpoint.ToString().TrimEnd('/');

    public HttpClient CreateClient() => Sidecar.CreateHttpClient();

    public IActorProxyFactory Proxies() => new ActorProxyFactory(new ActorProxyOptions { HttpEndpoint = Url });

    public ICounterActor Counter(string id) => Proxies().CreateActorProxy<ICounterActor>(new ActorId(id), "CounterActor");
}

/// <summary>Sends the app channel's requests to the app's current address.</summary>
internal sealed class RetargetingHandler() : DelegatingHandler(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
{
    public Uri? Target { get; set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Target is { } target && request.RequestUri is { } uri)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        // Shared across sidecar restarts; the test process ends with it.
    }
}

/// <summary>What the test actors observed, shared between a test and its apps.</summary>
public sealed class ActorProbe
{
    private int inside;
    private int overlaps;

    public ConcurrentQueue<string> Events { get; } = new();

    public int Overlaps => Volatile.Read(ref overlaps);

    public TaskCompletionSource BlockGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Marks a turn; a second turn entering before the first left counts as an overlap.</summary>
    public IDisposable EnterTurn()
    {
        if (Interlocked.Increment(ref inside) > 1)
        {
            Interlocked.Increment(ref overlaps);
        }

        return new Exit(this);
    }

    public void Record(string what) => Events.Enqueue(what);

    public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> condition, string because)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition(Events.ToList()))
        {
            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting for {because}; events: {string.Join(", ", Events)}");
            }
        }
    }

    private sealed class Exit(ActorProbe probe) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref probe.inside);
    }
}

public interface ICounterActor : IActor
{
    Task<int> IncrementAsync();

    Task SetValueAsync(KeyValue entry);

    Task<string?> GetValueAsync(string key);

    Task FailAsync(string message);

    Task RegisterReminderAsync(ScheduleSpec spec);

    Task RegisterTimerAsync(ScheduleSpec spec);

    Task<string> DescribeReminderAsync(string name);

    Task<int> CallSelfAsync();

    Task BlockAsync();

    Task PingAsync();
}

// Remoting serializes arguments with DataContractSerializer; non-remoting calls use System.Text.Json.
[DataContract]
public sealed record KeyValue([property: DataMember] string Key, [property: DataMember] string Value);

[DataContract]
public sealed record ScheduleSpec(
    [property: DataMember] string Name,
    [property: DataMember] TimeSpan DueTime,
    [property: DataMember] TimeSpan Period,
    [property: DataMember] string Data);

[Actor(TypeName = "CounterActor")]
public sealed class CounterActor(ActorHost host, ActorProbe probe) : Actor(host), ICounterActor, IRemindable
{
    protected override Task OnActivateAsync()
    {
        probe.Record($"activated:{Id}");
        return Task.CompletedTask;
    }

    protected override Task OnDeactivateAsync()
    {
        probe.Record($"deactivated:{Id}");
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        using (probe.EnterTurn())
        {
            var count = await StateManager.GetOrAddStateAsync("count", 0);
            await Task.Yield();
            await StateManager.SetStateAsync("count", count + 1);
            return count + 1;
        }
    }

    public Task SetValueAsync(KeyValue entry) => StateManager.SetStateAsync(entry.Key, entry.Value);

    public async Task<string?> GetValueAsync(string key)
    {
        var value = await StateManager.TryGetStateAsync<string>(key);
        return value.HasValue ? value.Value : null;
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task RegisterReminderAsync(ScheduleSpec spec) =>
        RegisterReminderAsync(spec.Name, Encoding.UTF8.GetBytes(spec.Data), spec.DueTime, spec.Period);

    public Task RegisterTimerAsync(ScheduleSpec spec) =>
        RegisterTimerAsync(spec.Name, nameof(OnTimerAsync), Encoding.UTF8.GetBytes(spec.Data), spec.DueTime, spec.Period);

    public async Task<string> DescribeReminderAsync(string name)
    {
        var reminder = await GetReminderAsync(name);
        return $"{reminder.DueTime}|{reminder.Period}|{Encoding.UTF8.GetString(reminder.State)}";
    }

    public Task OnTimerAsync(byte[] data)
    {
        using (probe.EnterTurn())
        {
            probe.Record($"timer:{Id}:{Encoding.UTF8.GetString(data)}");
            return Task.CompletedTask;
        }
    }

    public Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        using (probe.EnterTurn())
        {
            probe.Record($"reminder:{Id}:{reminderName}:{Encoding.UTF8.GetString(state)}");
            return Task.CompletedTask;
        }
    }

    public async Task<int> CallSelfAsync()
    {
        var self = ProxyFactory.CreateActorProxy<ICounterActor>(Id, "CounterActor");
        return await self.IncrementAsync();
    }

    public async Task BlockAsync()
    {
        probe.Record("block:start");
        await probe.BlockGate.Task;
        probe.Record("block:end");
    }

    public Task PingAsync()
    {
        probe.Record("ping");
        return Task.CompletedTask;
    }
}
