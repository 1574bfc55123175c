using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Flipkart.DevHost.Dashboard;
using Flipkart.DevHost.Processes;
using Flipkart.DevHost.RunFile;
using Flipkart.DevHost.Sidecars;

namespace Flipkart.DevHost;

/// <summary>One replica of a service as it runs: where it listens and where its sidecar does.</summary>
public sealed record RunningReplica(string AppId, int Index, string Name, int AppPort, int DaprHttpPort, int DaprGrpcPort, int ProcessId)
{
    public Uri AppUrl => new($"http://127.0.0.1:{AppPort}");

    /// <summary>A .NET service of this repository (ServiceDefaults: <c>/readyz</c>), rather than an app started by its command.</summary>
    public bool IsDotnet { get; init; } = true;
}

/// <summary>
/// The whole shop on one machine without Docker or daprd: reads <c>dapr.yaml</c>, builds the services once, starts
/// one embedded sidecar per app-id replica and each service as a child process with daprd's environment contract,
/// and returns once everything is healthy and the catalog is seeded. Dispose to stop it all.
/// Used by the DevHost console, the system tests and the load tool.
/// </summary>
public sealed class LocalRun : IAsyncDisposable
{
    public const string GatewayAppId = "gateway";

    /// <summary>The web UI: a client of the gateway's public URL that uses no Dapr building block.</summary>
    public const string StorefrontAppId = "storefront";
    private const string CatalogAppId = "catalog";

    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(10) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly List<ServiceProcess> _processes = [];
    private readonly List<(string? Dll, IReadOnlyList<string>? Command, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment)> _starts = [];
    private readonly OrphanGuard _guard = new();
    private AspireDashboard? _dashboard;
    private readonly List<RunningReplica> _replicas = [];
    private readonly List<string> _skipped = [];
    private readonly LocalRunOptions _options;
    private readonly TaskCompletionSource<ServiceProcess> _unexpectedExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ISidecarCluster? _sidecars;
    private Uri? _gatewayUrl;
    private Uri? _storefrontUrl;
    private int _disposed;

    private LocalRun(LocalRunOptions options) => _options = options;

    /// <summary>The public URL (the gateway's port); throws when the gateway is not part of this run.</summary>
    public Uri GatewayUrl => _gatewayUrl ?? throw new InvalidOperationException("The gateway is not running in this local run (services/Gateway missing or filtered out).");

    public bool HasGateway => _gatewayUrl is not null;

    /// <summary>The storefront's URL; throws when the storefront is not part of this run.</summary>
    public Uri StorefrontUrl => _storefrontUrl ?? throw new InvalidOperationException("The storefront is not running in this local run (filtered out or excluded).");

    public bool HasStorefront => _storefrontUrl is not null;

    /// <summary>The run's dashboard (traces, metrics, logs), when <see cref="LocalRunOptions.Dashboard"/> asked for one.</summary>
    public AspireDashboard? Dashboard => _dashboard;

    /// <summary>
    /// Apps that browsers reach directly rather than through a sidecar: they take no app token, and run as a single
    /// process on their own port whatever <see cref="LocalRunOptions.Replicas"/> says.
    /// </summary>
    public static bool IsPublicApp(string appId) => appId is GatewayAppId or StorefrontAppId;

    /// <summary>From the call to <see cref="StartAsync"/> until healthy and seeded, build included.</summary>
    public TimeSpan StartupTime { get; private set; }

    public string Profile => _options.Profile;

    public IReadOnlyList<RunningReplica> Replicas => _replicas;

    /// <summary>App-ids that run (whose project exists).</summary>
    public IReadOnlyList<string> AppIds => _replicas.Select(r => r.AppId).Distinct().ToList();

    /// <summary>Apps of the run file that were not started, each with the reason.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    public bool IsRunning(string appId) => _replicas.Any(r => r.AppId == appId);

    /// <summary>Completes when a service exits without being asked to (a crash after start-up).</summary>
    public Task<ServiceProcess> UnexpectedExit => _unexpectedExit.Task;

    public static async Task<LocalRun> StartAsync(LocalRunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Replicas, 1);
        for (var attempt = 1; ; attempt++)
        {
            var run = new LocalRun(options);
            try
            {
                await run.StartCoreAsync(cancellationToken).ConfigureAwait(false);
                return run;
            }
            catch (Exception e) when (attempt < 3 && options.DynamicPorts && PortAllocator.IsPortTaken(e) && !cancellationToken.IsCancellationRequested)
            {
                // A free port chosen for this run was taken by someone else before our process bound it: start over
                // with new ones. Only for dynamic ports; a fixed port that is taken is the user's to fix.
                options.Output.Progress($"a port was taken while starting ({e.Message.Split('\n')[0]}); starting again on other ports");
                await run.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await run.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// The folder holding the run file: the given root, else the nearest one above the working directory, this
    /// assembly, or the source folder DevHost was built from.
    /// </summary>
    public static string FindRepositoryRoot(string? hint = null, string runFile = "dapr.yaml")
    {
        if (hint is not null)
        {
            return Path.GetFullPath(hint);
        }
        var built = typeof(LocalRun).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, built }.OfType<string>())
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, runFile)) && Directory.Exists(Path.Combine(dir.FullName, "services")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DevHostException($"Could not find {runFile} above {Directory.GetCurrentDirectory()}; run from the repository or pass --repo <path>.");
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var output = _options.Output;
        var root = FindRepositoryRoot(_options.RepositoryRoot, _options.RunFile);
        var apps = AppDefinition.Resolve(Path.Combine(root, _options.RunFile), _options.Profile);

        // As `dapr run -f`: every app runs its command in its appDirPath. A .NET project whose command is `dotnet run`
        // is built once up front (one MSBuild for all of them) and started from its dll instead.
        var selected = new List<(AppDefinition App, string? Project)>();
        foreach (var app in apps)
        {
            if ((_options.Apps is not null && !_options.Apps.Contains(app.AppId)) || _options.ExcludedApps.Contains(app.AppId))
            {
                continue;
            }
            if (app.ProjectFile is { } project && IsDotnetRun(app.Command))
            {
                selected.Add((app, project));
            }
            else if (app.Command.Count > 0 && Directory.Exists(app.AppDir))
            {
                selected.Add((app, null));
            }
            else
            {
                _skipped.Add(Directory.Exists(app.AppDir)
                    ? $"{app.AppId} (no command and no project in {Path.GetRelativePath(root, app.AppDir)})"
                    : $"{app.AppId} ({Path.GetRelativePath(root, app.AppDir)} does not exist yet)");
            }
        }
        foreach (var skipped in _skipped)
        {
            output.Progress($"skipping {skipped}");
        }
        if (selected.Count == 0)
        {
            throw new DevHostException("None of the apps in the run file can be started; nothing to start.");
        }

        // Ports first: a taken port should fail in a second, not after a build.
        var ports = new PortAllocator();
        var plan = new List<(AppDefinition App, string? Project, int Index, int AppPort, int? DaprHttp, int? DaprGrpc)>();
        foreach (var (app, project) in selected)
        {
            var replicas = IsPublicApp(app.AppId) ? 1 : _options.Replicas;
            for (var index = 0; index < replicas; index++)
            {
                var owner = index == 0 ? app.AppId : $"{app.AppId} replica {index + 1}";
                int appPort;
                if (app.AppId == GatewayAppId && _options.GatewayPort is { } gatewayPort)
                {
                    appPort = gatewayPort == 0 ? ports.Free() : ports.Claim(gatewayPort, owner);
                }
                else
                {
                    appPort = index == 0 && !_options.DynamicPorts ? ports.Claim(app.AppPort, owner) : ports.Free();
                }

                var fixedSidecar = index == 0 && !_options.DynamicPorts;
                int? daprHttp = fixedSidecar && app.DaprHttpPort is { } h ? ports.Claim(h, $"the sidecar of {owner}") : ports.Free();
                int? daprGrpc = fixedSidecar && app.DaprGrpcPort is { } g ? ports.Claim(g, $"the sidecar of {owner}") : ports.Free();
                plan.Add((app, project, index, appPort, daprHttp, daprGrpc));
            }
        }

        // The dashboard starts while the services build; it is a single executable and needs no build.
        var dashboardStart = _options.Dashboard ? AspireDashboard.StartAsync(ports, _options.DynamicPorts, _guard, cancellationToken) : null;
        IReadOnlyDictionary<string, string> dlls = new Dictionary<string, string>();
        try
        {
            var projects = selected.Where(s => s.Project is not null).Select(s => s.Project!).Distinct().ToList();
            if (projects.Count == 0)
            {
            }
            else if (_options.SkipBuild)
            {
                dlls = projects.ToDictionary(p => p, p => ServiceBuilder.ConventionalDll(root, p, _options.Configuration));
            }
            else
            {
                var buildClock = Stopwatch.StartNew();
                dlls = await ServiceBuilder.BuildAsync(root, projects, _options.Configuration, output, cancellationToken).ConfigureAwait(false);
                Detail($"build step done in {buildClock.Elapsed.TotalSeconds:0.0}s");
            }

            if (dashboardStart is not null)
            {
                _dashboard = await dashboardStart.ConfigureAwait(false);
                dashboardStart = null;
            }
        }
        finally
        {
            if (dashboardStart is not null)
            {
                // The build failed or was cancelled: the dashboard must not outlive the attempt.
                try
                {
                    await (await dashboardStart.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                }
            }
        }

        var resources = selected[0].App.ResourcesPaths;
        Detail($"starting {plan.Count} sidecar(s) with components/{_options.Profile} ...");
        var context = new LocalRunContext(root, _options.Profile, resources, _options.Faults, output) { TraceExportEndpoint = _dashboard?.OtlpGrpcEndpoint, KafkaPartitions = _options.KafkaPartitions };
        var factory = _options.SidecarFactory ?? EmbeddedSidecarCluster.CreateAsync;
        _sidecars = await factory(context, cancellationToken).ConfigureAwait(false);
        var endpoints = await _sidecars.StartAsync(
            plan.Select(p => new SidecarRequest(p.App.AppId, p.Index, p.AppPort, p.DaprHttp, p.DaprGrpc, p.App.ConfigFile)).ToList(),
            cancellationToken).ConfigureAwait(false);

        // The storefront calls the gateway of this run, wherever its port landed.
        var gatewayAppPort = plan.Where(p => p.App.AppId == GatewayAppId).Select(p => (int?)p.AppPort).FirstOrDefault();
        Detail($"starting {plan.Count} app process(es) ...");
        for (var i = 0; i < plan.Count; i++)
        {
            var (app, project, index, appPort, _, _) = plan[i];
            var sidecar = endpoints[i];
            var name = index == 0 ? app.AppId : $"{app.AppId}#{index + 1}";
            var environment = Environment(app, appPort, sidecar, gatewayAppPort, isDotnet: project is not null);
            ServiceProcess process;
            if (project is not null)
            {
                var dll = dlls[project];
                if (!File.Exists(dll))
                {
                    throw new DevHostException($"{name}: built assembly not found at {dll}.");
                }
                process = ServiceProcess.Start(name, dll, app.AppDir, environment, output);
                _starts.Add((dll, null, app.AppDir, environment));
            }
            else
            {
                process = ServiceProcess.StartCommand(name, app.Command, app.AppDir, environment, output);
                _guard.Register(process.ProcessId);
                _starts.Add((null, app.Command, app.AppDir, environment));
            }
            _processes.Add(process);
            _replicas.Add(new RunningReplica(app.AppId, index, name, appPort, sidecar.HttpPort, sidecar.GrpcPort, process.ProcessId) { IsDotnet = project is not null });
            if (app.AppId == GatewayAppId)
            {
                _gatewayUrl = new Uri($"http://127.0.0.1:{appPort}");
            }
            else if (app.AppId == StorefrontAppId)
            {
                _storefrontUrl = new Uri($"http://127.0.0.1:{appPort}");
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartupTimeout);
        try
        {
            await WaitHealthyAsync(plan.Select(p => p.App.HealthCheckPath).ToList(), clock, timeout.Token).ConfigureAwait(false);
            await WaitSeededAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DevHostException($"The services were not healthy and seeded within {_options.StartupTimeout.TotalSeconds:0}s: {_waitingFor}.");
        }

        foreach (var process in _processes)
        {
            _ = WatchForCrashAsync(process);
        }
        StartupTime = clock.Elapsed;
    }

    /// <summary>A progress line people need only when they asked for details (<see cref="LocalRunOptions.Verbose"/>).</summary>
    private void Detail(string message)
    {
        if (_options.Verbose)
        {
            _options.Output.Progress(message);
        }
    }

    /// <summary><c>dotnet run ...</c> (or no command at all, for a folder with a project): built up front and started from its dll.</summary>
    internal static bool IsDotnetRun(IReadOnlyList<string> command) =>
        command.Count == 0 || (command.Count >= 2 && Path.GetFileNameWithoutExtension(command[0]) == "dotnet" && command[1] == "run");

    /// <summary>
    /// Framework start-up lines every service would print (listening URLs, content root, hosting environment): the
    /// banner says what matters. Services' own Information lines stay. <c>--verbose</c> drops this and logs Debug.
    /// </summary>
    private static readonly Dictionary<string, string> QuietLogging = new(StringComparer.Ordinal)
    {
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
        ["Logging__LogLevel__Microsoft.AspNetCore.DataProtection"] = "Error",
    };

    private IReadOnlyDictionary<string, string> Environment(AppDefinition app, int appPort, SidecarEndpoint sidecar, int? gatewayPort, bool isDotnet)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_dashboard is not null)
        {
            foreach (var (key, value) in _dashboard.ExporterEnvironment(app.AppId))
            {
                env[key] = value;
            }
        }
        if (isDotnet)
        {
            foreach (var (key, value) in _options.Verbose ? new Dictionary<string, string> { ["Serilog__MinimumLevel__Default"] = "Debug" } : QuietLogging)
            {
                env[key] = value;
            }
        }
        foreach (var (key, value) in app.Env)
        {
            env[key] = value;
        }

        // daprd's contract with its app, as `dapr run` and the Kubernetes injector provide it.
        foreach (var (key, value) in sidecar.Environment)
        {
            env[key] = value;
        }
        env["APP_ID"] = app.AppId;
        env["APP_PORT"] = appPort.ToString(CultureInfo.InvariantCulture);
        env["APP_PROTOCOL"] = "http";
        env["APP_CHANNEL_ADDRESS"] = "127.0.0.1";
        env["DAPR_HTTP_PORT"] = sidecar.HttpPort.ToString(CultureInfo.InvariantCulture);
        env["DAPR_GRPC_PORT"] = sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture);
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{appPort}";
        env.TryAdd("ASPNETCORE_ENVIRONMENT", "Development");
        if (app.AppId == StorefrontAppId && gatewayPort is { } port)
        {
            env["Storefront__GatewayUrl"] = $"http://127.0.0.1:{port}";
        }

        foreach (var scope in new[] { "*", app.AppId })
        {
            if (_options.AppEnvironment.TryGetValue(scope, out var extra))
            {
                foreach (var (key, value) in extra)
                {
                    env[key] = value;
                }
            }
        }
        return env;
    }

    private string _waitingFor = "";

    private async Task WaitHealthyAsync(IReadOnlyList<string> healthPaths, Stopwatch clock, CancellationToken cancellationToken)
    {
        var output = _options.Output;
        var pending = _replicas.Select((r, i) => (Replica: r, Process: _processes[i], Path: healthPaths[i])).ToList();
        var lastReport = clock.Elapsed;
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        var total = pending.Count;
        while (pending.Count > 0)
        {
            _waitingFor = "waiting for " + string.Join(", ", pending.Select(p => $"{p.Replica.Name} ({state.GetValueOrDefault(p.Replica.Name, "not answering")})"));
            foreach (var item in pending.ToList())
            {
                if (item.Process.Exited.IsCompleted)
                {
                    throw new DevHostException(
                        $"{item.Replica.Name} failed to start (exit code {await item.Process.Exited.ConfigureAwait(false)}). Its last output:{System.Environment.NewLine}{item.Process.Tail()}");
                }

                var app = await StatusAsync(new Uri(item.Replica.AppUrl, item.Path), cancellationToken).ConfigureAwait(false);
                var sidecar = app is >= 200 and < 300
                    ? await StatusAsync(new Uri($"http://127.0.0.1:{item.Replica.DaprHttpPort}/v1.0/healthz/outbound"), cancellationToken).ConfigureAwait(false)
                    : 0;
                state[item.Replica.Name] = app is >= 200 and < 300 ? $"sidecar outbound health {Describe(sidecar)}" : $"{item.Path} {Describe(app)}";
                if (app is >= 200 and < 300 && sidecar is >= 200 and < 300)
                {
                    pending.Remove(item);
                    Detail($"{item.Replica.Name} healthy on :{item.Replica.AppPort} (pid {item.Replica.ProcessId}, sidecar :{item.Replica.DaprHttpPort}) after {clock.Elapsed.TotalSeconds:0.0}s");
                }
            }

            if (pending.Count > 0)
            {
                _waitingFor = "waiting for " + string.Join(", ", pending.Select(p => $"{p.Replica.Name} ({state.GetValueOrDefault(p.Replica.Name, "not answering")})"));
                if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
                {
                    lastReport = clock.Elapsed;
                    output.Progress(_waitingFor + " ...");
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
        output.Progress($"{total} app(s) and their sidecars healthy after {clock.Elapsed.TotalSeconds:0.0}s");
    }

    private async Task WaitSeededAsync(CancellationToken cancellationToken)
    {
        // Readiness (/readyz) covers each service's own dependencies (its sidecar, and for the catalog its seed
        // data); a search through the gateway then proves routing end to end before the URL is announced.
        // All at once: one slow service (the catalog indexing) must not delay noticing that the others are ready,
        // and the search starts as soon as the gateway and the catalog are ready.
        var unready = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var readiness = _replicas.Where(r => r.IsDotnet).ToDictionary(r => r, async replica =>
        {
            int status;
            while ((status = await StatusAsync(new Uri(replica.AppUrl, "/readyz"), cancellationToken).ConfigureAwait(false)) is < 200 or >= 300)
            {
                unready[replica.Name] = $"{replica.Name} (/readyz {Describe(status)})";
                _waitingFor = "waiting for readiness of " + string.Join(", ", unready.Values);
                ThrowIfExited(replica);
                // Poll gently while e.g. the catalog indexes (an unready answer is logged at Debug, once).
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            unready.TryRemove(replica.Name, out _);
        });
        var waits = readiness.Values.ToList();
        if (HasGateway && IsRunning(CatalogAppId))
        {
            waits.Add(SearchAsync(readiness.Where(r => r.Key.AppId is GatewayAppId or CatalogAppId).Select(r => r.Value), cancellationToken));
        }
        await Task.WhenAll(waits).ConfigureAwait(false);
    }

    /// <summary>Once the gateway and the catalog are ready: a search through the gateway proves routing end to end.</summary>
    private async Task SearchAsync(IEnumerable<Task> ready, CancellationToken cancellationToken)
    {
        await Task.WhenAll(ready).ConfigureAwait(false);
        var search = new Uri(GatewayUrl, "/api/catalog/products?pageSize=1");
        while (true)
        {
            _waitingFor = "the catalog to answer a search through the gateway";
            ThrowIfExited(_replicas.First(r => r.AppId == GatewayAppId));
            using var response = await SendProbeAsync(search, cancellationToken).ConfigureAwait(false);
            if (response is { IsSuccessStatusCode: true } && LooksSeeded(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)))
            {
                return;
            }

            // Probing must not eat a small per-IP rate limit a test configured: honour Retry-After.
            var wait = response?.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } delta
                ? delta
                : TimeSpan.FromMilliseconds(500);
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A search answer with at least one product: some non-empty array, or a positive total.</summary>
    internal static bool LooksSeeded(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Array)
            {
                return json.RootElement.GetArrayLength() > 0;
            }
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0)
                {
                    return true;
                }
                if (property.Name.Contains("total", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Number && property.Value.GetInt64() > 0)
                {
                    return true;
                }
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void ThrowIfExited(RunningReplica replica)
    {
        var process = _processes[_replicas.IndexOf(replica)];
        if (process.Exited.IsCompleted)
        {
            throw new DevHostException($"{replica.Name} exited while starting (exit code {process.Exited.Result}). Its last output:{System.Environment.NewLine}{process.Tail()}");
        }
    }

    private static async Task<bool> IsSuccessAsync(Uri uri, CancellationToken cancellationToken) =>
        await StatusAsync(uri, cancellationToken).ConfigureAwait(false) is >= 200 and < 300;

    /// <summary>The probe's HTTP status, 0 when nothing answered.</summary>
    private static async Task<int> StatusAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await SendProbeAsync(uri, cancellationToken).ConfigureAwait(false);
        return response is null ? 0 : (int)response.StatusCode;
    }

    private static string Describe(int status) => status == 0 ? "not answering" : $"answers {status}";

    private static async Task<HttpResponseMessage?> SendProbeAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            return await Probe.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // the probe's own timeout
        }
    }

    private async Task WatchForCrashAsync(ServiceProcess process)
    {
        var code = await process.Exited.ConfigureAwait(false);
        if (!process.IsStopping && Volatile.Read(ref _disposed) == 0)
        {
            _options.Output.Progress($"{process.Name} exited unexpectedly (exit code {code}).");
            _unexpectedExit.TrySetResult(process);
        }
    }

    /// <summary>
    /// Kills one replica's process outright (SIGKILL: no draining, no shutdown hooks), the way a crash or an OOM kill
    /// ends it. Its sidecar keeps running, as daprd does when only the app container dies, but the replica leaves actor
    /// placement and service invocation at once, as a dead (NotReady) pod would; it is back once the restarted app
    /// answers. Fault tests use this.
    /// </summary>
    public async Task KillAsync(string replicaName)
    {
        var index = IndexOf(replicaName);
        var process = _processes[index];
        process.MarkStopping(); // expected, so not reported as an unexpected exit
        if (!process.Exited.IsCompleted)
        {
            _ = Kill(process.ProcessId, 9);
            await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }
        if (_sidecars is EmbeddedSidecarCluster embedded)
        {
            var replica = _replicas[index];
            foreach (var sidecar in embedded.Cluster.GetSidecars(replica.AppId).Where(s => s.HttpPort == replica.DaprHttpPort))
            {
                sidecar.ReportAppDown();
            }
        }
    }

    /// <summary>
    /// Starts a killed (or exited) replica again with the same ports, environment and sidecar, and returns once it
    /// is healthy and ready.
    /// </summary>
    public async Task<RunningReplica> RestartAsync(string replicaName, CancellationToken cancellationToken = default)
    {
        var index = IndexOf(replicaName);
        var old = _processes[index];
        if (!old.Exited.IsCompleted)
        {
            throw new InvalidOperationException($"{replicaName} is still running; kill it first.");
        }
        await old.DisposeAsync().ConfigureAwait(false);

        var (dll, command, workingDirectory, environment) = _starts[index];
        var process = dll is not null
            ? ServiceProcess.Start(replicaName, dll, workingDirectory, environment, _options.Output)
            : ServiceProcess.StartCommand(replicaName, command!, workingDirectory, environment, _options.Output);
        if (dll is null)
        {
            _guard.Register(process.ProcessId);
        }
        _processes[index] = process;
        var replica = _replicas[index] with { ProcessId = process.ProcessId };
        _replicas[index] = replica;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartupTimeout);
        while (await StatusAsync(new Uri(replica.AppUrl, replica.IsDotnet ? "/readyz" : "/healthz"), timeout.Token).ConfigureAwait(false) is < 200 or >= 300)
        {
            ThrowIfExited(replica);
            await Task.Delay(200, timeout.Token).ConfigureAwait(false);
        }
        _ = WatchForCrashAsync(process);
        return replica;
    }

    private int IndexOf(string replicaName)
    {
        var index = _replicas.FindIndex(r => r.Name == replicaName);
        return index >= 0 ? index : throw new ArgumentException($"No replica named {replicaName} (known: {string.Join(", ", _replicas.Select(r => r.Name))}).", nameof(replicaName));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Stops every service (SIGTERM, then a kill of its process tree after a grace period), then the sidecars.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_processes.Count > 0)
        {
            _options.Output.Progress($"stopping {_processes.Count} service process(es) ...");
        }
        await Task.WhenAll(_processes.Select(p => p.StopAsync(TimeSpan.FromSeconds(10)))).ConfigureAwait(false);
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
        if (_sidecars is not null)
        {
            await _sidecars.DisposeAsync().ConfigureAwait(false);
        }
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync().ConfigureAwait(false);
        }
        _guard.Dispose();
    }
}
