using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.Notification.Apis;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Notification.Tests.Functional.Findings;

/// <summary>
/// Finding F5 (issue 13), on kafka-cassandra: notification's inbox is a read-modify-write guarded by an ETag
/// compare-and-swap (first-write). Cassandra has no ETAG feature, and neither it nor daprd checks one: a save with a
/// stale ETag simply overwrites, so of two notifications for one user racing each other, one is lost.
/// </summary>
public sealed class F5_InboxCompareAndSwapTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private readonly Gate gate = new();
    private EmbeddedDaprCluster cluster = null!;
    private WebApplicationFactory<Program> app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var resources = Path.Combine(RepositoryRoot(), "components", "kafka-cassandra");
        var options = new EmbeddedDaprClusterOptions { ResourcesPath = resources, WorkingDirectory = resources };
        options.Modules.Add(gate);
        cluster = await EmbeddedDaprCluster.StartAsync(options);
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = AppIds.Notification });
        app = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        });
        _ = app.Server;
        sidecar.AttachApp(() => app.Server.CreateHandler());
        await sidecar.WaitForAppReadyAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task F5_Two_notifications_for_one_user_racing_each_other_are_both_kept()
    {
        var user = "buyer-" + Guid.NewGuid().ToString("N")[..8];
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        object Confirmed(Guid orderId) => new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, total = 10m };

        // The first handler's second write (its inbox save, after its status record) waits until the second handler has
        // read the inbox and saved its own notification: both read the same inbox and the same ETag.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = 0;
        gate.OnCall = async (store, operation) =>
        {
            if (store == "notification-store" && operation == "set" && Interlocked.Increment(ref writes) == 2)
            {
                held.TrySetResult();
                await release.Task;
            }
        };
        var firstDelivery = NotificationApiFixture.Deliver(app, "orders", "OrderConfirmed", Confirmed(first), Ct);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        gate.OnCall = null;
        using var secondDelivery = await NotificationApiFixture.Deliver(app, "orders", "OrderConfirmed", Confirmed(second), Ct);
        release.TrySetResult();
        using var firstAnswer = await firstDelivery;

        using var client = NotificationApiFixture.Client(app, user);
        var page = await client.GetFromJsonAsync<NotificationPage>("/api/notifications", Json, Ct);
        var kept = page!.Items.Select(n => n.OrderId).ToList();
        Assert.True(kept.Contains(first) && kept.Contains(second),
            $"the inbox of {user} keeps {kept.Count} of 2 notifications ({(kept.Contains(first) ? "" : "first lost")}{(kept.Contains(second) ? "" : "second lost")}); " +
            $"both deliveries answered {(int)firstAnswer.StatusCode}/{(int)secondDelivery.StatusCode}: notification-store is {cluster.StateStores["notification-store"].Behavior.Type}, whose compare-and-swap never fails");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flipkart.Dapr.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Flipkart.Dapr.sln) not found");
    }

    private sealed class Gate : ISidecarModule
    {
        public Func<string, string, Task>? OnCall { get; set; }

        public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
            services.AddSingleton<IOutboundCallInterceptor>(new Interceptor(this));

        private sealed class Interceptor(Gate gate) : IOutboundCallInterceptor
        {
            public async ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken)
            {
                if (gate.OnCall is { } hook)
                {
                    await hook(componentName, operation);
                }
            }
        }
    }
}
