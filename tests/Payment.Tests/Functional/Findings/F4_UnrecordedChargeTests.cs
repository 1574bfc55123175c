using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Payment.Services;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flipkart.Payment.Tests.Functional.Findings;

/// <summary>
/// Payment behind an embedded sidecar loaded with the shipped <c>local</c> profile (payment-store on Redis with the
/// outbox, Redis pub/sub, its Resiliency), a provider that records what it was asked, and a gate that can fail
/// payment-store calls at the moment daprd runs them.
/// </summary>
public sealed class LocalPayment : IAsyncLifetime
{
    private WebApplicationFactory<Program>? factory;

    public EmbeddedDaprCluster Cluster { get; private set; } = null!;
    public RecordingProvider Provider { get; } = new();
    public Func<string, string, Task>? OnStoreCall { get; set; }
    public WebApplicationFactory<Program> Factory => factory!;

    public async ValueTask InitializeAsync()
    {
        var resources = Path.Combine(RepositoryRoot(), "components", "local");
        var options = new EmbeddedDaprClusterOptions { ResourcesPath = resources, WorkingDirectory = resources };
        options.Modules.Add(new Gate(this));
        Cluster = await EmbeddedDaprCluster.StartAsync(options);
        PubSubModule.Outbox(Cluster).Timing = OutboxTiming.Daprd.Scaled(0.1);
        var sidecar = await Cluster.StartSidecarAsync(new SidecarOptions { AppId = "payment" });
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in sidecar.AppConfiguration)
            {
                web.UseSetting(key, value);
            }
            web.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            web.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<IPaymentProvider>(Provider)));
        });
        _ = factory.Server;
        sidecar.AttachApp(() => factory.Server.CreateHandler());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await sidecar.WaitForAppReadyAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await Cluster.DisposeAsync();
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

    private sealed class Gate(LocalPayment owner) : ISidecarModule
    {
        public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
            services.AddSingleton<IOutboundCallInterceptor>(new Interceptor(owner));

        private sealed class Interceptor(LocalPayment owner) : IOutboundCallInterceptor
        {
            public async ValueTask BeforeComponentCallAsync(string componentName, string operation, CancellationToken cancellationToken)
            {
                if (owner.OnStoreCall is { } hook)
                {
                    await hook(componentName, operation);
                }
            }
        }
    }
}

/// <summary>A card processor that succeeds and remembers every charge, refund and void (idempotent per order, like the real ones).</summary>
public sealed class RecordingProvider : IPaymentProvider
{
    public ConcurrentDictionary<Guid, string> Charged { get; } = new();
    public ConcurrentDictionary<Guid, string> Refunded { get; } = new();
    public ConcurrentDictionary<Guid, string> Voided { get; } = new();

    public Task<ChargeResult> ChargeAsync(Guid orderId, string? userId, decimal amount, CancellationToken cancellationToken)
    {
        var id = Charged.GetOrAdd(orderId, $"pay_{orderId:N}");
        return Task.FromResult(new ChargeResult(true, id, null));
    }

    public Task<string> RefundAsync(Guid orderId, string paymentId, decimal amount, CancellationToken cancellationToken) =>
        Task.FromResult(Refunded.GetOrAdd(orderId, $"rfnd_{orderId:N}"));

    public Task VoidAsync(Guid orderId, string? paymentId, CancellationToken cancellationToken)
    {
        Voided[orderId] = paymentId ?? "(by idempotency key)";
        return Task.CompletedTask;
    }
}

/// <summary>
/// Finding F4 (issue 13): the provider charges, the commit of the charge (payment record + PaymentSucceeded, one outbox
/// transaction) fails, the order's cancellation then stores <c>Voided</c>, and the redelivered StockReserved stops at
/// that record — nobody ever voids or refunds the charge the provider holds. Money kept without a record.
/// </summary>
public sealed class F4_UnrecordedChargeTests(LocalPayment payment) : IClassFixture<LocalPayment>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> DeliverAsync(string route, string type, object data)
    {
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = Guid.NewGuid().ToString(), ["source"] = "test", ["type"] = type,
            ["datacontenttype"] = "application/json", ["data"] = JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web),
        };
        using var client = payment.Factory.CreateClient();
        return await client.PostAsync(route, new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), Ct);
    }

    [Fact]
    public async Task F4_A_charge_whose_commit_failed_is_voided_or_refunded_once_the_order_is_cancelled()
    {
        var orderId = Guid.NewGuid();
        var reserved = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-f4", amount = 799m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };
        var cancelled = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = "buyer-f4", reason = "ReservationExpired", lines = new[] { new { productId = "p1", quantity = 1 } } };

        // The store fails every transaction (an outage) while StockReserved is handled: the charge is made, its record is not.
        payment.OnStoreCall = (store, operation) => store == "payment-store" && operation == "transaction"
            ? throw new TimeoutException("payment-store timed out")
            : Task.CompletedTask;
        using var charging = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);
        payment.OnStoreCall = null;
        using var cancelling = await DeliverAsync("/integration-events/order-cancelled", "OrderCancelled", cancelled);
        using var redelivered = await DeliverAsync("/integration-events/stock-reserved", "StockReserved", reserved);

        using var admin = payment.Factory.CreateClient();
        admin.DefaultRequestHeaders.Add("X-User-Id", "ops");
        admin.DefaultRequestHeaders.Add("X-User-Roles", "admin");
        var record = await admin.GetFromJsonAsync<JsonObject>($"/api/payments/orders/{orderId}", Ct);
        Assert.True(payment.Provider.Charged.ContainsKey(orderId), "the provider was never charged; the scenario did not happen");
        Assert.True(payment.Provider.Voided.ContainsKey(orderId) || payment.Provider.Refunded.ContainsKey(orderId),
            $"the provider holds charge {payment.Provider.Charged[orderId]} of cancelled order {orderId}, never voided or refunded; " +
            $"payment record {(string?)record?["status"]} with {record?["charges"]?.AsArray().Count ?? 0} charges " +
            $"(StockReserved answered {(int)charging.StatusCode}, OrderCancelled {(int)cancelling.StatusCode}, redelivered StockReserved {(int)redelivered.StatusCode})");
    }
}
