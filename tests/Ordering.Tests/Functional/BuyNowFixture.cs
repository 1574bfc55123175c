using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Ordering.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flipkart.Ordering.Tests.Functional;

/// <summary>
/// Ordering behind an embedded sidecar with stub cart, catalog and inventory apps behind theirs (real service
/// invocation), and a counter of every state-store operation each sidecar runs, so a test can prove that a request
/// touched no store.
/// </summary>
public sealed class BuyNowFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? factory;
    private WebApplication? inventory;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public StubApps Stubs { get; } = new();
    public StateCallCounter StateCalls { get; } = new();
    public RecordingReservationTimer Timers { get; } = new();

    /// <summary>What the inventory stub answers on GET /api/inventory/{id}/availability; absent = 404.</summary>
    public ConcurrentDictionary<string, (string Status, int Available, int? PerUserLimit)> Availability { get; } = new();

    /// <summary>How many availability reads reached the inventory stub, per product.</summary>
    public ConcurrentDictionary<string, int> AvailabilityReads { get; } = new();

    public WebApplicationFactory<Program> Factory => factory!;

    public async ValueTask InitializeAsync()
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(OrderingApiFixture.Components);
        options.Modules.Add(StateCalls);
        Cluster = await EmbeddedDaprCluster.StartAsync(options);
        await Stubs.StartAsync();
        await Stubs.StartObserverAsync();
        inventory = await StartInventoryAsync();
        var sidecars = new List<EmbeddedDaprSidecar>
        {
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart", AppHandler = () => Stubs.CartHandler }),
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog", AppHandler = () => Stubs.CatalogHandler }),
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification", AppHandler = () => Stubs.ObserverHandler }),
            await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "inventory", AppHandler = () => inventory.GetTestServer().CreateHandler() }),
        };
        var ordering = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering" });

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in ordering.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("OrderingOptions:MaxRequestBodyBytes", "4096");
            web.UseSetting("OrderingOptions:AvailabilityFreshness", "00:00:00.100");
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            web.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<IReservationTimer>(Timers)));
        });
        _ = factory.Server;
        ordering.AttachApp(() => factory.Server.CreateHandler());
        sidecars.Add(ordering);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Task.WhenAll(sidecars.Select(s => s.WaitForAppReadyAsync(timeout.Token)));
    }

    public HttpClient ClientFor(string? userId)
    {
        var client = Factory.CreateClient();
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add("X-User-Id", userId);
        }
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private async Task<WebApplication> StartInventoryAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapGet("/api/inventory/{productId}/availability", (string productId) =>
        {
            AvailabilityReads.AddOrUpdate(productId, 1, (_, n) => n + 1);
            return Availability.TryGetValue(productId, out var a)
                ? Results.Json(new { productId, status = a.Status, available = a.Available, perUserLimit = a.PerUserLimit })
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown product");
        });
        await app.StartAsync();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await Stubs.DisposeAsync();
        if (inventory is not null)
        {
            await inventory.DisposeAsync();
        }
        await Cluster.DisposeAsync();
    }
}

/// <summary>An embedded-sidecar module counting the state-store operations each app's sidecar runs.</summary>
public sealed class StateCallCounter : ISidecarModule
{
    private readonly ConcurrentDictionary<string, long> calls = new();

    public long CallsBy(string appId) => calls.GetValueOrDefault(appId);

    public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
        services.AddSingleton<IOutboundCallInterceptor>(new Interceptor(this, sidecar));

    private sealed class Interceptor(StateCallCounter counter, SidecarContext sidecar) : IOutboundCallInterceptor
    {
        public ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken)
        {
            if (sidecar.StateStores.ContainsKey(componentName))
            {
                counter.calls.AddOrUpdate(sidecar.AppId, 1, (_, n) => n + 1);
            }
            return ValueTask.CompletedTask;
        }
    }
}
