using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using Flipkart.DevHost;
using Flipkart.DevHost.Processes;
using Microsoft.Playwright;

namespace Flipkart.Storefront.Tests.Infrastructure;

/// <summary>
/// Once per test class: the whole system through DevHost's library on free ports, the storefront as its own process
/// pointed at that run's gateway, and Playwright driving Debian's Chromium (never a downloaded browser). Without
/// <c>/usr/bin/chromium</c> every test skips with that reason.
/// </summary>
public sealed class StorefrontFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    public static readonly string RepositoryRoot = LocalRun.FindRepositoryRoot(
        typeof(StorefrontFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value);

    public TestOutputLog Output { get; } = new();

    public string? SkipReason { get; private set; }

    public LocalRun? Run { get; private set; }

    public Uri StorefrontUrl { get; private set; } = null!;

    /// <summary>Screenshots of every step land here (printed by each test).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront-screenshots");

    public HttpClient Gateway { get; private set; } = new();

    private ServiceProcess? _storefront;
    private IPlaywright? _playwright;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            SkipReason = $"{ChromiumPath} is not installed (apt-get install chromium); the browser tests need Debian's Chromium and never download one.";
            return;
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Directory.CreateDirectory(ScreenshotFolder);
        var ct = TestContext.Current.CancellationToken;

        try
        {
            // The storefront first: a compile error should fail in seconds, not after the whole system started.
            var project = Path.Combine(RepositoryRoot, "services", "Storefront", "Flipkart.Storefront.csproj");
            var dll = (await ServiceBuilder.BuildAsync(RepositoryRoot, [project], "Debug", Output, ct))[project];

            Run = await LocalRun.StartAsync(new LocalRunOptions
            {
                RepositoryRoot = RepositoryRoot,
                GatewayPort = 0,
                DynamicPorts = true,
                Output = Output,
                StartupTimeout = TimeSpan.FromMinutes(3),
                AppEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
                {
                    // Every anonymous catalog call of the storefront comes from one address: keep the per-IP limit out of the way.
                    [LocalRun.GatewayAppId] = new Dictionary<string, string> { ["GatewayOptions__AnonymousPermitLimit"] = "100000" },
                },
            }, ct);

            var port = new PortAllocator().Free();
            StorefrontUrl = new Uri($"http://127.0.0.1:{port}");
            _storefront = ServiceProcess.Start("storefront", dll, Path.GetDirectoryName(project)!, new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = StorefrontUrl.ToString().TrimEnd('/'),
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["APP_ID"] = "storefront",
                ["Storefront__GatewayUrl"] = Run.GatewayUrl.ToString(),
            }, Output);
            await WaitReadyAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The system or the storefront did not start: {e.Message}{Environment.NewLine}{Output.Tail()}", e);
        }

        Gateway = new HttpClient { BaseAddress = Run.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        _playwright = await Playwright.CreateAsync();
    }

    public void RequireBrowser()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    /// <summary>A fresh Chromium with its own empty profile, at phone width (375 px) so every step proves the small layout.</summary>
    public async Task<IBrowserContext> NewBrowserAsync()
    {
        var profile = Directory.CreateTempSubdirectory("storefront-chromium-");
        var context = await _playwright!.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = 375, Height = 812 },
            BaseURL = StorefrontUrl.ToString(),
        });
        context.SetDefaultTimeout(30_000);
        context.Close += (_, _) =>
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still hold a file for a moment; the temp folder is cleaned up by the OS.
            }
        };
        return context;
    }

    public async Task<string> TokenAsync(string userId, params string[] roles)
    {
        using var response = await Gateway.PostAsJsonAsync("api/auth/dev-token", new { userId, roles = roles.Length == 0 ? ["customer"] : roles });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>())!.AccessToken;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await Gateway.SendAsync(request);
    }

    public async Task SetStockAsync(string productId, int available)
    {
        using var response = await SendAsync(HttpMethod.Put, $"api/inventory/{productId}", await TokenAsync("stock-admin", "admin"), new { available });
        response.EnsureSuccessStatusCode();
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        using var probe = new HttpClient { BaseAddress = StorefrontUrl, Timeout = TimeSpan.FromSeconds(3) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_storefront!.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"The storefront exited with {_storefront.Exited.Result}: {_storefront.Tail()}");
            }
            try
            {
                using var response = await probe.GetAsync("readyz", ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException("The storefront was not ready within 60 s: " + _storefront!.Tail());
    }

    /// <summary>Every process's log lines of the run, written when the class finishes (for looking into a failure).</summary>
    public static string RunLogPath { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront-run.log");

    public async ValueTask DisposeAsync()
    {
        if (SkipReason is null)
        {
            await File.WriteAllTextAsync(RunLogPath, Output.Tail(int.MaxValue));
            Console.WriteLine($"storefront tests: screenshots in {ScreenshotFolder}, run log in {RunLogPath}");
        }
        _playwright?.Dispose();
        Gateway.Dispose();
        if (_storefront is not null)
        {
            await _storefront.DisposeAsync();
        }
        if (Run is not null)
        {
            await Run.DisposeAsync();
        }
    }

    private sealed record TokenAnswer(string AccessToken);
}
