using System.Net;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Flipkart.Catalog.Tests.Functional;

/// <summary>One seeded catalog for every functional test class: seeding 10,000 products once is enough.</summary>
[CollectionDefinition(Name)]
public sealed class CatalogCollection : ICollectionFixture<CatalogApiFixture>
{
    public const string Name = "catalog";
}

/// <summary>
/// The catalog app (in a TestServer) behind an embedded Dapr sidecar whose <c>catalog-store</c> is typed
/// <c>state.cassandra</c>: no ETags, no transactions, which is the most the catalog may ask of its store.
/// The full 10,000-product seed runs once per fixture.
/// </summary>
public sealed class CatalogApiFixture : IAsyncLifetime
{
    public const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: catalog-store
        spec:
          type: state.cassandra
          version: v1
          metadata:
          - name: hosts
            value: 127.0.0.1
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: cache
        spec:
          type: state.in-memory
          version: v1
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        """;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public EmbeddedDaprSidecar Sidecar { get; private set; } = null!;
    public CatalogFactory App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EmbeddedDaprCluster.StartAsync(Components);
        // With an API token, as on Kubernetes: every call the catalog makes must carry it (SaveBulkStateAsync doesn't).
        Sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog", DaprApiToken = "catalog-functional-tests" });
        App = await CatalogFactory.StartAsync(Sidecar);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

public sealed class CatalogFactory(IReadOnlyDictionary<string, string> sidecarConfiguration) : WebApplicationFactory<Program>
{
    /// <summary>Builds the app, attaches it as the sidecar's app channel and waits until its index is ready.</summary>
    public static async Task<CatalogFactory> StartAsync(EmbeddedDaprSidecar sidecar)
    {
        var factory = new CatalogFactory(sidecar.AppConfiguration);
        sidecar.AttachApp(() => factory.Server.CreateHandler());
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        while ((await client.GetAsync("/readyz", timeout.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, timeout.Token);
        }
        await sidecar.WaitForAppReadyAsync(timeout.Token);
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in sidecarConfiguration)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Flipkart.Catalog.Infrastructure.CatalogLoader", "Information");
    }

    public HttpClient CreateClient(string userId, string roles)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", userId);
        client.DefaultRequestHeaders.Add("X-User-Roles", roles);
        return client;
    }
}
