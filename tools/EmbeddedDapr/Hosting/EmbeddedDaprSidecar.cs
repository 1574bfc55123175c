using System.Net;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.GrpcApi;
using Flipkart.EmbeddedDapr.HttpApi;
using Flipkart.EmbeddedDapr.State;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Hosting;

/// <summary>
/// One embedded sidecar: Dapr's gRPC API on <see cref="GrpcPort"/> (HTTP/2 cleartext only) and HTTP API on
/// <see cref="HttpPort"/>, both on 127.0.0.1. Stop and restart keep the same ports.
/// </summary>
public sealed class EmbeddedDaprSidecar : IAsyncDisposable
{
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private WebApplication? app;
    private CancellationTokenSource? runCts;
    private Func<HttpMessageHandler>? attachedApp;
    private TaskCompletionSource appReady = NewReady();
    private Task? readinessLoop;
    private ListenOptions? httpListen;
    private ListenOptions? grpcListen;

    internal EmbeddedDaprSidecar(EmbeddedDaprCluster cluster, SidecarOptions options)
    {
        Cluster = cluster;
        Options = options;
        HttpPort = options.HttpPort;
        GrpcPort = options.GrpcPort;
        Context = new SidecarContext(cluster, options, this);
    }

    public EmbeddedDaprCluster Cluster { get; }
    public SidecarOptions Options { get; }
    public SidecarContext Context { get; }
    public string AppId => Options.AppId;
    public int HttpPort { get; private set; }
    public int GrpcPort { get; private set; }
    public bool IsRunning { get; private set; }

    public Uri HttpEndpoint => new($"http://127.0.0.1:{HttpPort}");
    public Uri GrpcEndpoint => new($"http://127.0.0.1:{GrpcPort}");

    public AppChannel? AppChannel { get; private set; }

    /// <summary>The current run's services (throws before the first start).</summary>
    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("The sidecar is not running.");

    /// <summary>Completes once the app answered and every module's OnAppReadyAsync ran.</summary>
    public Task AppReady => appReady.Task;

    /// <summary>
    /// What daprd (CLI / injector) exports into the app process: <c>DAPR_HTTP_PORT</c>, <c>DAPR_GRPC_PORT</c>,
    /// <c>APP_ID</c>, <c>APP_PORT</c> when known, <c>DAPR_API_TOKEN</c>/<c>APP_API_TOKEN</c> when set.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DAPR_HTTP_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DAPR_GRPC_PORT"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["APP_ID"] = AppId,
            };
            if ((Options.AppPort ?? Options.AppBaseUrl?.Port) is { } port)
            {
                env["APP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            if (!string.IsNullOrEmpty(Options.DaprApiToken))
            {
                env["DAPR_API_TOKEN"] = Options.DaprApiToken;
            }
            if (!string.IsNullOrEmpty(Options.AppApiToken))
            {
                env["APP_API_TOKEN"] = Options.AppApiToken;
            }
            return env;
        }
    }

    /// <summary>
    /// Configuration keys for an in-process app (e.g. <c>WebApplicationFactory.UseSetting</c>): the environment
    /// contract plus explicit <c>DAPR_GRPC_ENDPOINT</c>/<c>DAPR_HTTP_ENDPOINT</c>, which the SDK prefers over ports.
    /// </summary>
    public IReadOnlyDictionary<string, string> AppConfiguration
    {
        get
        {
            var config = new Dictionary<string, string>(Environment, StringComparer.Ordinal)
            {
                ["DAPR_GRPC_ENDPOINT"] = GrpcEndpoint.ToString().TrimEnd('/'),
                ["DAPR_HTTP_ENDPOINT"] = HttpEndpoint.ToString().TrimEnd('/'),
            };
            return config;
        }
    }

    /// <summary>A DaprClient wired to this sidecar (endpoints and API token).</summary>
    public DaprClient CreateDaprClient(Action<DaprClientBuilder>? configure = null)
    {
        var builder = new DaprClientBuilder()
            .UseGrpcEndpoint(GrpcEndpoint.ToString())
            .UseHttpEndpoint(HttpEndpoint.ToString());
        if (!string.IsNullOrEmpty(Options.DaprApiToken))
        {
            builder.UseDaprApiToken(Options.DaprApiToken);
        }
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>An HttpClient whose base address is the sidecar's HTTP API (token header added when set).</summary>
    public HttpClient CreateHttpClient()
    {
        var client = new HttpClient { BaseAddress = HttpEndpoint };
        if (!string.IsNullOrEmpty(Options.DaprApiToken))
        {
            client.DefaultRequestHeaders.Add("dapr-api-token", Options.DaprApiToken);
        }
        return client;
    }

    /// <summary>Connects (or replaces) the app channel after start, e.g. once a WebApplicationFactory is built.</summary>
    public void AttachApp(Func<HttpMessageHandler> handlerFactory)
    {
        attachedApp = handlerFactory;
        AppChannel = AppChannel.Create(Options, attachedApp, WrapAppChannel);
        if (IsRunning)
        {
            StartReadinessLoop();
        }
    }

    public void AttachApp(HttpMessageHandler handler) => AttachApp(() => handler);

    /// <summary>
    /// True from <see cref="ReportAppDown"/> until the app answers again. Like a pod whose app container died (and is
    /// therefore NotReady), the replica then receives no service invocation while another replica of its app-id can
    /// take it, and its actors leave placement.
    /// </summary>
    public bool AppDown => Volatile.Read(ref appDown);

    private bool appDown;

    /// <summary>
    /// The app process is known to be dead (e.g. DevHost killed it) while this sidecar keeps running: stop routing to
    /// it at once rather than after failed calls, and watch for the app to answer again.
    /// </summary>
    public void ReportAppDown()
    {
        if (!IsRunning || runCts is not { } run || AppChannel is null)
        {
            return;
        }
        Volatile.Write(ref appDown, true);
        foreach (var module in Cluster.Modules)
        {
            module.OnAppDown(Context);
        }
        var token = run.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                while (AppChannel is not { } channel || !await channel.ProbeAsync(token))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), token);
                }
                Volatile.Write(ref appDown, false);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    /// <summary>Waits for <see cref="AppReady"/>.</summary>
    public Task WaitForAppReadyAsync(CancellationToken cancellationToken = default) => AppReady.WaitAsync(cancellationToken);

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                return;
            }
            AppChannel ??= AppChannel.Create(Options, attachedApp, WrapAppChannel);
            app = Build();
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch
            {
                // E.g. a fixed port already in use: release what was built so a later start can retry.
                await app.DisposeAsync();
                app = null;
                throw;
            }
            // Kestrel writes the bound endpoint back into the ListenOptions, which resolves port 0.
            HttpPort = ((IPEndPoint)httpListen!.EndPoint).Port;
            GrpcPort = ((IPEndPoint)grpcListen!.EndPoint).Port;
            IsRunning = true;
            runCts = new CancellationTokenSource();
            foreach (var module in Cluster.Modules)
            {
                await module.OnSidecarStartedAsync(Context, cancellationToken);
            }
            Cluster.RaiseStarted(this);
            StartReadinessLoop();
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops serving (the ports are released); the app-id loses this replica.</summary>
    public async Task StopAsync()
    {
        await lifecycle.WaitAsync();
        try
        {
            if (!IsRunning || app is null)
            {
                return;
            }
            IsRunning = false;
            runCts?.Cancel();
            foreach (var module in Cluster.Modules.Reverse())
            {
                await module.OnSidecarStoppingAsync(Context);
            }
            if (readinessLoop is not null)
            {
                await readinessLoop.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            await app.StopAsync();
            await app.DisposeAsync();
            Cluster.RaiseStopped(this);
            appReady.TrySetCanceled();
            appReady = NewReady();
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops and starts again on the same ports (modules see stop + start + app ready again).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        AppChannel?.Dispose();
    }

    /// <summary>Lets modules wrap the app channel (appHttpPipeline), first module outermost.</summary>
    private HttpMessageHandler WrapAppChannel(HttpMessageHandler handler)
    {
        foreach (var module in Cluster.Modules.Reverse())
        {
            handler = module.WrapAppChannel(handler, Context);
        }
        return handler;
    }

    private void StartReadinessLoop()
    {
        var channel = AppChannel;
        var token = runCts!.Token;
        // Hooks run once per run: attaching a new channel to a ready sidecar only swaps the channel, and a loop
        // already probing will pick the new channel up through AppChannel.
        if (channel is null || appReady.Task.IsCompleted || readinessLoop is { IsCompleted: false })
        {
            return;
        }
        readinessLoop = Task.Run(async () =>
        {
            try
            {
                while (!await (AppChannel ?? channel).ProbeAsync(token))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), token);
                }
                foreach (var module in Cluster.Modules)
                {
                    await module.OnAppReadyAsync(Context, token);
                }
                appReady.TrySetResult();
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                Context.Logger.LogError(ex, "App readiness hooks failed for {AppId}", AppId);
                appReady.TrySetException(ex);
            }
        }, CancellationToken.None);
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmbeddedDaprSidecar).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Cluster.LoggerFactory);
        // Long-lived streams (subscriptions, slow apps) must not hold a stop or restart for the default 30 s.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));

        var maxBody = Cluster.Options.MaxRequestBodySize;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = maxBody;
            kestrel.Listen(IPAddress.Loopback, HttpPort, lo =>
            {
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                httpListen = lo;
            });
            kestrel.Listen(IPAddress.Loopback, GrpcPort, lo =>
            {
                // The SDK speaks h2c with prior knowledge: the gRPC port must be HTTP/2-only.
                lo.Protocols = HttpProtocols.Http2;
                grpcListen = lo;
            });
        });

        var services = builder.Services;
        services.AddSingleton(Context);
        services.AddSingleton(Cluster);
        services.AddSingleton(Cluster.TimeProvider);
        services.AddRouting();
        // Registered, so gRPC takes them from DI once instead of activating each per call (ApiAccessInterceptor parsed
        // the Configuration's API lists on every call: 4.5 % of the sidecars' CPU in a flash sale's profile).
        services.AddSingleton<ApiTokenInterceptor>();
        services.AddSingleton<ApiAccessInterceptor>();
        services.AddSingleton<DaprErrorInterceptor>();
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = maxBody;
            o.Interceptors.Add<ApiTokenInterceptor>();
            o.Interceptors.Add<ApiAccessInterceptor>();
            o.Interceptors.Add<DaprErrorInterceptor>();
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<DaprGrpcService>, DaprServiceMethodProvider>());
        services.AddSingleton<StateApi>();
        services.AddSingleton<ServiceInvoker>();
        foreach (var module in Cluster.Modules)
        {
            module.ConfigureServices(services, Context);
        }
        services.TryAddSingleton<IResiliencyPolicies, PassThroughResiliency>();

        var web = builder.Build();
        web.UseMiddleware<Tracing.HttpTraceMiddleware>(); // outermost, as daprd's tracing middleware
        web.UseMiddleware<ApiTokenMiddleware>();
        web.UseMiddleware<ApiAccessMiddleware>();
        web.UseMiddleware<HeaderInvocationMiddleware>();
        foreach (var module in Cluster.Modules)
        {
            module.ConfigurePipeline(web, Context);
        }
        web.MapDaprHttpApi();
        foreach (var module in Cluster.Modules)
        {
            module.MapEndpoints(web, Context);
        }
        web.MapGrpcService<DaprGrpcService>();

        return web;
    }

    private static TaskCompletionSource NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
