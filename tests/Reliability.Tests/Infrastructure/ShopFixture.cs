using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.DevHost.Output;

namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// Every class that starts the system runs in one of three lanes: three systems at a time, each lane's classes one
/// after another. Most of a scenario is waiting on the saga (redeliveries, timeouts, the settle loop), so the lanes
/// finish the suite in little more than its longest lane. The lanes hold about equal work (a clean-clone CI run of
/// 6 Dec 2026, quiet machine: 126, 175 and 100 s when the replicas shared the process kills' lane, so they moved):
/// the sidecar faults, probes and the deduplication check; the process kills; payment timing and the replicas.
/// </summary>
public static class SystemLanes
{
    public const string FaultScenarios = "Reliability system runs: sidecar faults, probes and deduplication";
    public const string ProcessKills = "Reliability system runs: process kills";
    public const string Others = "Reliability system runs: payment timing and replicas";

    // xUnit runs as many collections at once as the machine has cores unless told otherwise; xunit.runner.json's
    // maxParallelThreads is the number of lanes, since a lane is mostly waiting.
}

[CollectionDefinition(SystemLanes.FaultScenarios)]
public sealed class FaultScenariosLane;

[CollectionDefinition(SystemLanes.ProcessKills)]
public sealed class ProcessKillsLane;

[CollectionDefinition(SystemLanes.Others)]
public sealed class OtherScenariosLane;

/// <summary>
/// The whole shop started once per test class through DevHost's library on free ports; subclasses choose replicas,
/// sidecar faults and settings (environment per app-id). Buyers sign in with locally minted tokens.
/// </summary>
public abstract class ShopFixture : IAsyncLifetime
{
    /// <summary>The "ingress" network of these runs: the test client itself, on loopback.</summary>
    public const string TrustedProxyNetwork = "127.0.0.0/8";

    private readonly ConcurrentQueue<string> _log = new();
    private int _products;

    public LocalRun Run { get; private set; } = null!;

    public Uri GatewayUrl => Run.GatewayUrl;

    protected virtual int Replicas => 1;

    /// <summary>Only fault scenarios use this system: it is not started when only the probes run.</summary>
    protected virtual bool FaultScenariosOnly => false;

    protected virtual IReadOnlyList<string> Faults => [];

    /// <summary>Settings per app-id (<c>*</c> = all), as environment variables.</summary>
    protected virtual Dictionary<string, Dictionary<string, string>> Settings => [];

    public string Tail(int lines = 120) => string.Join(Environment.NewLine, _log.TakeLast(lines));

    /// <summary>The kept log lines that mention any of <paramref name="needles"/>, or are warnings and errors (last <paramref name="max"/>).</summary>
    public string LinesAbout(IEnumerable<string> needles, int max = 200)
    {
        var wanted = needles.ToList();
        return string.Join(Environment.NewLine, _log
            .Where(l => l.Contains(" WRN ", StringComparison.Ordinal) || l.Contains(" ERR ", StringComparison.Ordinal)
                || wanted.Any(n => l.Contains(n, StringComparison.OrdinalIgnoreCase)))
            .TakeLast(max));
    }

    public async ValueTask InitializeAsync()
    {
        if (FaultScenariosOnly && Suite.ProbesOnly)
        {
            return;
        }
        var settings = Settings;
        // Buyers of one sale all come from 127.0.0.1; the per-IP limit stays the gateway's (anonymous only).
        settings.TryAdd(LocalRun.GatewayAppId, []);
        settings[LocalRun.GatewayAppId].TryAdd("GatewayOptions__UserPermitLimit", "400");
        settings[LocalRun.GatewayAppId].TryAdd("GatewayOptions__RateLimitWindowSeconds", "10");
        // Production, as deployed: error answers are what a client would see there (no exception details), and the
        // gateway validates tokens of an OpenID Connect provider (an in-test one, reached over HTTPS) as in a cluster.
        // The test client on loopback stands in for the ingress: its X-Forwarded-For is believed.
        settings.TryAdd("*", []);
        settings["*"].TryAdd("ASPNETCORE_ENVIRONMENT", "Production");
        foreach (var (key, value) in Tokens.GatewaySettings())
        {
            settings[LocalRun.GatewayAppId].TryAdd(key, value);
        }
        settings[LocalRun.GatewayAppId].TryAdd("GatewayOptions__TrustedProxyNetworks__0", TrustedProxyNetwork);
        try
        {
            Run = await LocalRun.StartAsync(new LocalRunOptions
            {
                RepositoryRoot = Repository.Root,
                GatewayPort = 0,
                DynamicPorts = true,
                Replicas = Replicas,
                // The suite drives the gateway like a client; the storefront would only take CPU from the sale.
                ExcludedApps = [LocalRun.StorefrontAppId],
                Faults = Faults,
                Output = new Output(_log),
                StartupTimeout = TimeSpan.FromMinutes(3),
                AppEnvironment = settings.ToDictionary(s => s.Key, s => (IReadOnlyDictionary<string, string>)s.Value),
            }, TestContext.Current.CancellationToken);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The system did not start: {e.Message}{Environment.NewLine}{Tail()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Run is not null)
        {
            await Run.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>A client signed in as <paramref name="userId"/> (no token when null).</summary>
    public HttpClient Client(string? userId, string role = "customer")
    {
        var client = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(userId, role));
        }
        return client;
    }

    /// <summary>A different catalog product for each call, so sales in one run never share stock.</summary>
    public async Task<string> NextProductAsync(CancellationToken cancellationToken)
    {
        var index = Interlocked.Increment(ref _products) - 1;
        using var client = Client("catalog-reader");
        using var response = await client.SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/catalog/products?page={index + 1}&pageSize=1&sort=price_asc"), cancellationToken);
        var page = await response.JsonAsync(cancellationToken);
        return page.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    /// <summary>Sets the faults of the shared broker through a sidecar's emulator-only route ("" clears them).</summary>
    public async Task SetFaultsAsync(string faults, CancellationToken cancellationToken)
    {
        var sidecar = Run.Replicas.First(r => r.AppId == LocalRun.GatewayAppId);
        using var client = new HttpClient();
        using var response = await client.PutAsync($"http://127.0.0.1:{sidecar.DaprHttpPort}/embedded/pubsub/faults", new StringContent(faults), cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"setting faults '{faults}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    private sealed class Output(ConcurrentQueue<string> log) : IRunOutput
    {
        public void Progress(string message) => Add($"devhost | {message}");

        public void AppLog(string source, string line, bool isError) => Add($"{source} | {LogLineFormatter.Render(line)}");

        // RELIABILITY_LOG=<file> keeps the whole log of a run (the queue keeps only its tail).
        private static readonly string? FullLog = Environment.GetEnvironmentVariable("RELIABILITY_LOG") is { Length: > 0 } path ? path : null;
        private static readonly Lock FileGate = new();

        private void Add(string line)
        {
            if (FullLog is not null)
            {
                lock (FileGate)
                {
                    File.AppendAllText(FullLog, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");
                }
            }
            log.Enqueue(line);
            while (log.Count > 3000 && log.TryDequeue(out _))
            {
            }
        }
    }
}

public static class HttpExtensions
{
    // Per gateway: several systems run at a time (SystemLanes), and each sale reports its own system's count.
    private static readonly ConcurrentDictionary<string, StrongBox<int>> RetriedServerErrors = new();

    /// <summary>5xx answers retried so far from the system at <paramref name="gateway"/> (outages while a service is
    /// down, or worse); reported with each sale.</summary>
    public static int ServerErrors(Uri gateway) => Volatile.Read(ref Counter(gateway.Authority).Value);

    private static StrongBox<int> Counter(string authority) => RetriedServerErrors.GetOrAdd(authority, _ => new StrongBox<int>());

    /// <summary>
    /// As a careful client does during an outage: retries 429 (after Retry-After), 502/503/504, a 409 that says
    /// when to come back (a checkout still in progress) and refused connections, re-sending the same request
    /// (mutations carry an Idempotency-Key or are idempotent PUTs).
    /// </summary>
    public static async Task<HttpResponseMessage> SendWithRetriesAsync(this HttpClient client, Func<HttpRequestMessage> request, CancellationToken cancellationToken, TimeSpan? patience = null, bool retryServerErrors = false)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            HttpResponseMessage? response = null;
            try
            {
                response = await client.SendAsync(request(), cancellationToken);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
            }
            if (response is not null && (DateTime.UtcNow >= deadline || !(response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                || (retryServerErrors && (int)response.StatusCode >= 500)
                // "Still in progress" (ordering, same Idempotency-Key): the answer says when to ask again.
                || (response.StatusCode == HttpStatusCode.Conflict && response.Headers.RetryAfter is not null))))
            {
                return response;
            }
            if (response is not null && (int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref Counter(client.BaseAddress?.Authority ?? "").Value);
            }
            var wait = response?.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(300);
            response?.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    public static string Number(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
