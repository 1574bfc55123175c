using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Ordering.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Ordering (WebApplicationFactory) behind an embedded sidecar, with stub cart and catalog apps behind theirs,
/// in-memory state stores (order-store with the outbox to topic `orders`) and in-memory pub/sub.
/// </summary>
public class OrderingApiFixture : IAsyncLifetime
{
    public const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: order-store
        spec:
          type: state.in-memory
          version: v1
          metadata:
            - name: outboxPublishPubsub
              value: pubsub
            - name: outboxPublishTopic
              value: orders
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        ---
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

    private WebApplicationFactory<Program>? factory;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public EmbeddedDaprSidecar Sidecar { get; private set; } = null!;

    /// <summary>Another app's sidecar, used to publish events as inventory or payment would.</summary>
    public EmbeddedDaprSidecar Peer { get; private set; } = null!;
    public StubApps Stubs { get; } = new();
    public RecordingReservationTimer Timers { get; } = new();
    public WebApplicationFactory<Program> Factory => factory!;

    /// <summary>The clock of the sidecars and the app; null = system time.</summary>
    protected virtual TimeProvider? Clock => null;

    /// <summary>False: a recorder replaces the actor reminder (tests not about expiry).</summary>
    protected virtual bool UseActorReservationTimer => false;

    protected virtual TimeSpan ReservationTimeout => TimeSpan.FromMinutes(10);

    public async ValueTask InitializeAsync()
    {
        var options = new EmbeddedDaprClusterOptions { TimeProvider = Clock ?? TimeProvider.System };
        options.ResourceYaml.Add(Components);
        Cluster = await EmbeddedDaprCluster.StartAsync(options);
        await Stubs.StartAsync();
        await Stubs.StartObserverAsync();
        var cart = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart", AppHandler = () => Stubs.CartHandler });
        var catalog = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog", AppHandler = () => Stubs.CatalogHandler });
        var observer = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification", AppHandler = () => Stubs.ObserverHandler });
        Sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" });
        Peer = cart;

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in Sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("OrderingOptions:MaxRequestBodyBytes", "4096");
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            web.UseSetting("OrderingOptions:ReservationTimeout", ReservationTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            web.ConfigureTestServices(services =>
            {
                if (!UseActorReservationTimer)
                {
                    services.Replace(ServiceDescriptor.Singleton<IReservationTimer>(Timers));
                }
                if (Clock is { } clock)
                {
                    services.Replace(ServiceDescriptor.Singleton(clock));
                }
            });
        });
        _ = factory.Server;
        Sidecar.AttachApp(() => factory.Server.CreateHandler());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Task.WhenAll(Sidecar.WaitForAppReadyAsync(timeout.Token), cart.WaitForAppReadyAsync(timeout.Token), catalog.WaitForAppReadyAsync(timeout.Token),
            observer.WaitForAppReadyAsync(timeout.Token));
    }

    /// <summary>A client of the ordering app acting as <paramref name="userId"/> (as the Gateway would stamp it).</summary>
    public HttpClient ClientFor(string? userId, string? roles = null)
    {
        var client = Factory.CreateClient();
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add("X-User-Id", userId);
        }
        if (roles is not null)
        {
            client.DefaultRequestHeaders.Add("X-User-Roles", roles);
        }
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await Stubs.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>Stands in for the actor reminder in tests that are not about expiry; records what was armed.</summary>
public sealed class RecordingReservationTimer : IReservationTimer
{
    public ConcurrentDictionary<Guid, DateTimeOffset> Scheduled { get; } = new();

    public Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        Scheduled[orderId] = dueAt;
        return Task.CompletedTask;
    }
}
