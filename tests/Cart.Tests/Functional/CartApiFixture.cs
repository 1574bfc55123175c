using System.Collections.Concurrent;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Cart.Tests.Functional;

/// <summary>
/// The cart app (WebApplicationFactory) behind an embedded sidecar, plus a stub app registered as <c>catalog</c>
/// so price snapshots travel through real Dapr service invocation.
/// </summary>
public sealed class CartApiFixture : IAsyncLifetime
{
    private const string Resources = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: cart-store
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

    private EmbeddedDaprCluster? cluster;
    private WebApplication? catalog;
    private WebApplicationFactory<Program>? cart;

    /// <summary>What the stub catalog knows; tests add products as they need them.</summary>
    public ConcurrentDictionary<string, (string Title, decimal Price, decimal Mrp)> Products { get; } = new();

    public EmbeddedDaprCluster Cluster => cluster!;

    public async ValueTask InitializeAsync()
    {
        cluster = await EmbeddedDaprCluster.StartAsync(Resources);

        catalog = BuildCatalogStub();
        await catalog.StartAsync();
        await cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Catalog, AppHandler = () => catalog.GetTestServer().CreateHandler() });

        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Cart });
        cart = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
        });
        sidecar.AttachApp(() => cart.Server.CreateHandler());
        await sidecar.WaitForAppReadyAsync();
    }

    /// <summary>A client acting as <paramref name="userId"/> (as the Gateway would stamp it), or anonymous.</summary>
    public HttpClient CreateClient(string? userId)
    {
        var client = cart!.CreateClient();
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.UserIdHeader, userId);
            client.DefaultRequestHeaders.Add(CallerIdentity.RolesHeader, CallerIdentity.CustomerRole);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (cart is not null)
        {
            await cart.DisposeAsync();
        }
        if (catalog is not null)
        {
            await catalog.DisposeAsync();
        }
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }

    private WebApplication BuildCatalogStub()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapGet("/api/catalog/products/{id}", (string id) =>
            Products.TryGetValue(id, out var p)
                // Extra fields, as the real catalog sends, must not bother the cart.
                ? Results.Ok(new { id, title = p.Title, price = p.Price, mrp = p.Mrp, brand = "Acme", rating = 4.2 })
                : Results.Problem(statusCode: StatusCodes.Status404NotFound));
        return app;
    }
}
