using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Notification.Tests.Functional;

/// <summary>
/// Two replicas of notification (two WebApplicationFactory apps, each behind its own embedded sidecar, sharing the
/// in-memory stores as two pods share Redis), plus a stub <c>ordering</c> app for the status-stream fallback.
/// </summary>
public sealed class NotificationApiFixture : IAsyncLifetime
{
    private const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: notification-store
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

    private readonly List<WebApplicationFactory<Program>> replicas = [];
    private WebApplication? ordering;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;

    /// <summary>Orders the stub ordering app knows: id → (owner, status).</summary>
    public ConcurrentDictionary<Guid, (string Owner, string Status)> OrderingKnows { get; } = new();

    public WebApplicationFactory<Program> ReplicaA => replicas[0];
    public WebApplicationFactory<Program> ReplicaB => replicas[1];

    public async ValueTask InitializeAsync()
    {
        Cluster = await EmbeddedDaprCluster.StartAsync(Components);
        ordering = await StartOrderingStubAsync();
        var orderingSidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Ordering, AppHandler = () => ordering.GetTestServer().CreateHandler() });

        var ready = new List<Task> { orderingSidecar.WaitForAppReadyAsync() };
        for (var i = 0; i < 2; i++)
        {
            var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Notification });
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
            {
                foreach (var (key, value) in sidecar.AppConfiguration)
                {
                    web.UseSetting(key, value);
                }
                web.UseSetting("NotificationOptions:StatusPollInterval", "00:00:00.100");
                web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            });
            _ = factory.Server;
            sidecar.AttachApp(() => factory.Server.CreateHandler());
            replicas.Add(factory);
            ready.Add(sidecar.WaitForAppReadyAsync());
        }
        await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static HttpClient Client(WebApplicationFactory<Program> replica, string? userId)
    {
        var client = replica.CreateClient();
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.UserIdHeader, userId);
        }
        return client;
    }

    /// <summary>Posts the CloudEvent daprd would deliver to a replica's subscription route.</summary>
    public static async Task<HttpResponseMessage> Deliver(WebApplicationFactory<Program> replica, string topic, string type, object data, CancellationToken cancellationToken)
    {
        var envelope = new { id = Guid.NewGuid().ToString(), source = "test", type, specversion = "1.0", datacontenttype = "application/json", topic, pubsubname = "pubsub", data };
        var route = string.Concat(type.Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        using var client = replica.CreateClient();
        return await client.PostAsync($"/integration-events/{route}", new StringContent(JsonSerializer.Serialize(envelope), Encoding.UTF8, "application/cloudevents+json"), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
        if (ordering is not null)
        {
            await ordering.DisposeAsync();
        }
        await Cluster.DisposeAsync();
    }

    private async Task<WebApplication> StartOrderingStubAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapGet("/api/orders/{id:guid}", (Guid id, HttpRequest request) =>
            OrderingKnows.TryGetValue(id, out var order) && order.Owner == request.Headers[CallerIdentity.UserIdHeader].ToString()
                ? Results.Json(new { id, status = order.Status, total = 1m, lines = Array.Empty<object>() })
                : Results.NotFound());
        await app.StartAsync();
        return app;
    }
}
