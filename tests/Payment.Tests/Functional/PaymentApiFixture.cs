using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Flipkart.Payment.Tests.Functional;

/// <summary>
/// Payment (WebApplicationFactory) behind an embedded sidecar with payment-store (outbox → topic `payments`) and
/// in-memory pub/sub; an observer app subscribed to `payments` records what is published, and a peer sidecar
/// publishes saga events as inventory and ordering would.
/// </summary>
public sealed class PaymentApiFixture : IAsyncLifetime
{
    private const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: payment-store
        spec:
          type: state.in-memory
          version: v1
          metadata:
            - name: outboxPublishPubsub
              value: pubsub
            - name: outboxPublishTopic
              value: payments
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
        """;

    private WebApplicationFactory<Program>? factory;
    private WebApplication? observer;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public EmbeddedDaprSidecar Peer { get; private set; } = null!;
    public WebApplicationFactory<Program> Factory => factory!;

    /// <summary>Every CloudEvent delivered on topic <c>payments</c> (the envelope JSON).</summary>
    public ConcurrentQueue<JsonObject> PaymentEvents { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Cluster = await EmbeddedDaprCluster.StartAsync(Components);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        observer = builder.Build();
        observer.MapGet("/dapr/subscribe", () => Results.Json(new[] { new { pubsubname = "pubsub", topic = "payments", route = "payments" } }));
        observer.MapPost("/payments", async (HttpRequest request) =>
        {
            PaymentEvents.Enqueue((await System.Text.Json.JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!);
            return Results.Ok();
        });
        await observer.StartAsync();
        Peer = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "notification", AppHandler = () => observer.GetTestServer().CreateHandler() });

        var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "payment" });
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("PaymentOptions:Latency", "00:00:00.020");
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        });
        _ = factory.Server;
        sidecar.AttachApp(() => factory.Server.CreateHandler());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Task.WhenAll(sidecar.WaitForAppReadyAsync(timeout.Token), Peer.WaitForAppReadyAsync(timeout.Token));
    }

    public HttpClient AdminClient()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", "ops");
        client.DefaultRequestHeaders.Add("X-User-Roles", "admin");
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        if (observer is not null)
        {
            await observer.DisposeAsync();
        }
        await Cluster.DisposeAsync();
    }
}
