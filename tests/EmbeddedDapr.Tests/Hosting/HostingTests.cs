using System.Net;
using System.Text;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Tests.Conformance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tests.Hosting;

/// <summary>The hosting API the local run and the functional tests rely on (embedded only).</summary>
public class HostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<EmbeddedDaprCluster> StartClusterAsync(params ISidecarModule[] modules)
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add(ConformanceResources.Component("statestore", "state.in-memory"));
        options.ResourceYaml.Add(ConformanceResources.Component("cache", "state.redis", metadata: "- name: redisHost\n  value: localhost:6379"));
        foreach (var module in modules)
        {
            options.Modules.Add(module);
        }
        return EmbeddedDaprCluster.StartAsync(options, Ct);
    }

    [Fact]
    public async Task A_sidecar_exports_daprds_environment_contract()
    {
        await using var cluster = await StartClusterAsync();
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "ordering", AppPort = 5104, DaprApiToken = "t1", AppApiToken = "t2" }, Ct);

        Assert.Equal(sidecar.HttpPort.ToString(), sidecar.Environment["DAPR_HTTP_PORT"]);
        Assert.Equal(sidecar.GrpcPort.ToString(), sidecar.Environment["DAPR_GRPC_PORT"]);
        Assert.Equal("5104", sidecar.Environment["APP_PORT"]);
        Assert.Equal("ordering", sidecar.Environment["APP_ID"]);
        Assert.Equal("t1", sidecar.Environment["DAPR_API_TOKEN"]);
        Assert.Equal("t2", sidecar.Environment["APP_API_TOKEN"]);
        Assert.Equal($"http://127.0.0.1:{sidecar.GrpcPort}", sidecar.AppConfiguration["DAPR_GRPC_ENDPOINT"]);
        Assert.NotEqual(sidecar.HttpPort, sidecar.GrpcPort);
    }

    [Fact]
    public async Task Restarting_a_sidecar_keeps_its_ports_and_the_shared_state()
    {
        await using var cluster = await StartClusterAsync();
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "cart" }, Ct);
        var (http, grpc) = (sidecar.HttpPort, sidecar.GrpcPort);
        using (var before = sidecar.CreateDaprClient())
        {
            await before.SaveStateAsync("statestore", "k", "kept", cancellationToken: Ct);
        }

        await sidecar.RestartAsync(Ct);

        using var after = sidecar.CreateDaprClient();
        Assert.Equal((http, grpc), (sidecar.HttpPort, sidecar.GrpcPort));
        Assert.Equal("kept", await after.GetStateAsync<string>("statestore", "k", cancellationToken: Ct));
    }

    [Fact]
    public async Task The_shutdown_rpc_stops_the_sidecar()
    {
        await using var cluster = await StartClusterAsync();
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "payment" }, Ct);
        using var client = sidecar.CreateDaprClient();

        await client.ShutdownSidecarAsync(Ct);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (sidecar.IsRunning && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }
        Assert.False(sidecar.IsRunning);
        Assert.Empty(cluster.GetSidecars("payment"));
    }

    [Fact]
    public async Task Redis_typed_transactions_have_no_rollback()
    {
        await using var cluster = await StartClusterAsync();
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "inventory" }, Ct);
        using var client = sidecar.CreateDaprClient();
        await client.SaveStateAsync("cache", "b", "old", cancellationToken: Ct);

        await Assert.ThrowsAsync<Dapr.DaprException>(() => client.ExecuteStateTransactionAsync("cache",
        [
            new StateTransactionRequest("a", Encoding.UTF8.GetBytes("\"new\""), StateOperationType.Upsert),
            new StateTransactionRequest("b", Encoding.UTF8.GetBytes("\"changed\""), StateOperationType.Upsert, etag: "99"),
        ], cancellationToken: Ct));

        Assert.Equal("new", await client.GetStateAsync<string>("cache", "a", cancellationToken: Ct));
        Assert.Equal("old", await client.GetStateAsync<string>("cache", "b", cancellationToken: Ct));
    }

    [Fact]
    public async Task Modules_add_routes_services_and_see_the_app_become_ready()
    {
        var module = new ProbeModule();
        await using var cluster = await StartClusterAsync(module);
        await using var app = await TestApp.StartAsync("probe-app");
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "probe", AppBaseUrl = app.Url }, Ct);
        using var http = sidecar.CreateHttpClient();

        await sidecar.WaitForAppReadyAsync(Ct);

        Assert.Equal("probe from module", await http.GetStringAsync("/v1.0/probe", Ct));
        Assert.Equal(["probe"], module.ReadyApps);
        Assert.Same(cluster.Services.GetRequiredService<SharedCounter>(), sidecar.Services.GetRequiredService<ProbeService>().Counter);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/v1.0/healthz", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_sidecar_with_an_app_that_is_not_up_reports_not_ready_but_outbound_healthy()
    {
        await using var cluster = await StartClusterAsync();
        var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "late", AppBaseUrl = new Uri("http://127.0.0.1:1/") }, Ct);
        using var http = sidecar.CreateHttpClient();

        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync("/v1.0/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/v1.0/healthz/outbound", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("rabbitmq-mysql")]
    [InlineData("kafka-cassandra")]
    public async Task Every_profile_in_the_repository_loads_and_serves_every_app_id(string profile)
    {
        var folder = Path.Combine(RepositoryRoot(), "components", profile);
        await using var cluster = await EmbeddedDaprCluster.StartAsync(new EmbeddedDaprClusterOptions { ResourcesPath = folder }, Ct);

        foreach (var appId in new[] { "gateway", "catalog", "cart", "inventory", "ordering", "payment", "notification" })
        {
            var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = appId }, Ct);
            using var client = sidecar.CreateDaprClient();
            Assert.Equal(appId, (await client.GetMetadataAsync(Ct)).Id);
        }
        Assert.Equal("secretstores.local.file", cluster.SecretStores["secretstore"].Type);
        Assert.NotEmpty(cluster.SecretStores["secretstore"].Get("jwt-signing-key", new Dictionary<string, string>())["jwt-signing-key"]);
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    internal sealed class SharedCounter;

    internal sealed class ProbeService(SharedCounter counter)
    {
        public SharedCounter Counter { get; } = counter;
    }

    private sealed class ProbeModule : ISidecarModule
    {
        public List<string> ReadyApps { get; } = [];

        public void ConfigureClusterServices(IServiceCollection services, EmbeddedDaprCluster cluster) => services.AddSingleton<SharedCounter>();

        public void ConfigureServices(IServiceCollection services, SidecarContext sidecar) =>
            services.AddSingleton(sp => new ProbeService(sidecar.Cluster.Services.GetRequiredService<SharedCounter>()));

        public void MapEndpoints(IEndpointRouteBuilder endpoints, SidecarContext sidecar) =>
            endpoints.MapGet("/v1.0/probe", () => Results.Text($"{sidecar.AppId} from module"));

        public Task OnAppReadyAsync(SidecarContext sidecar, CancellationToken cancellationToken)
        {
            lock (ReadyApps)
            {
                ReadyApps.Add(sidecar.AppId);
            }
            return Task.CompletedTask;
        }
    }
}
