using System.Net.Http.Headers;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Ordering.Infrastructure;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Collections.Concurrent;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Ordering behind its sidecar, with stand-ins for cart and catalog (real service invocation) and an observer of
/// topic <c>orders</c> recording what the outbox publishes. On in-memory stores rather than the local profile: these
/// tests inject single outbox publish failures, which the profile's Resiliency would retry away, and assert ordering's
/// own answers on a store with strict ETags and atomic transactions.
/// </summary>
public class OrderingApiFixture() : ServiceCluster<Program>(AppIds.Ordering)
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

    protected override DaprProfile Profile => DaprProfile.Only(Components);

    public StubApps Stubs { get; } = new();

    public RecordingReservationTimer Timers { get; } = new();

    /// <summary>Another app's sidecar, used to publish events as inventory or payment would.</summary>
    public EmbeddedDaprSidecar Peer => StubSidecar(AppIds.Cart);

    /// <summary>False: a recorder replaces the actor reminder (tests not about expiry).</summary>
    protected virtual bool UseActorReservationTimer => false;

    protected virtual TimeSpan ReservationTimeout => TimeSpan.FromMinutes(10);

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderingOptions:MaxRequestBodyBytes"] = "4096",
        ["OrderingOptions:ReservationTimeout"] = ReservationTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        if (!UseActorReservationTimer)
        {
            services.Replace(ServiceDescriptor.Singleton<IReservationTimer>(Timers));
        }
    }

    protected override async Task StartStubsAsync()
    {
        await Stubs.StartAsync();
        await Stubs.StartObserverAsync();
        await AddStubAsync(AppIds.Cart, Stubs.Cart);
        await AddStubAsync(AppIds.Catalog, Stubs.Catalog);
        await AddStubAsync(AppIds.Notification, Stubs.Observer);
        await Stubs.StartFulfilmentAsync();
        await AddStubAsync(AppIds.Fulfilment, Stubs.Fulfilment);
    }

    /// <summary>A client of the ordering app acting as <paramref name="userId"/> (as the Gateway would stamp it).</summary>
    public HttpClient ClientFor(string? userId, string? roles = null) => ClientFor(0, userId, roles);

    /// <summary>A client of one replica acting as <paramref name="userId"/>.</summary>
    public HttpClient ClientFor(int replica, string? userId, string? roles = null)
    {
        var client = Replicas[replica].CreateClient().As(userId, roles is null ? [] : [roles]);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await Stubs.DisposeAsync();
        await base.DisposeAsync();
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
