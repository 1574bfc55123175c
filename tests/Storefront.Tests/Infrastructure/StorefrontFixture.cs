using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using Flipkart.DevHost;
using Microsoft.Playwright;

namespace Flipkart.Storefront.Tests.Infrastructure;

/// <summary>
/// Once per test class: the whole system through DevHost's library on free ports (the storefront included, pointed
/// by DevHost at that run's gateway, exactly as `dotnet run --project tools/DevHost` starts it), and Playwright
/// driving Debian's Chromium (never a downloaded browser). Without <c>/usr/bin/chromium</c> every test skips with that reason.
/// </summary>
public sealed class StorefrontFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    public static readonly string RepositoryRoot = Flipkart.Testing.Repository.Root;

    public TestOutputLog Output { get; } = new();

    public string? SkipReason { get; private set; }

    public LocalRun? Run { get; private set; }

    public Uri StorefrontUrl { get; private set; } = null!;

    /// <summary>Screenshots of every step land here (printed by each test).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront-screenshots");

    public HttpClient Gateway { get; private set; } = new();

    private IPlaywright? _playwright;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            SkipReason = $"{ChromiumPath} is not installed (apt-get install chromium); the browser tests need Debian's Chromium and never download one.";
            return;
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        // The folder shows this run only: an earlier run's step must not pass for one of this run.
        if (Directory.Exists(ScreenshotFolder))
        {
            Directory.Delete(ScreenshotFolder, recursive: true);
        }
        Directory.CreateDirectory(ScreenshotFolder);
        File.Delete(MeasurementsPath);
        var ct = TestContext.Current.CancellationToken;

        try
        {
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
                    // A provider that takes a few seconds keeps an order unconfirmed while its page loads, so the
                    // tests can see the status change live rather than find it already final.
                    ["payment"] = new Dictionary<string, string> { ["PaymentOptions__Latency"] = PaymentLatency.ToString("c", System.Globalization.CultureInfo.InvariantCulture) },
                    // Every return passes the simulated inspection, so a returned order ends Refunded.
                    ["fulfilment"] = new Dictionary<string, string> { ["FulfilmentOptions__InspectionRejectionRate"] = "0" },
                },
            }, ct);

            // LocalRun returns once every app, the storefront included, answers /readyz.
            StorefrontUrl = Run.StorefrontUrl;
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

    /// <summary>How long the simulated payment provider takes to charge in these runs.</summary>
    public static readonly TimeSpan PaymentLatency = TimeSpan.FromSeconds(4);

    /// <summary>The default viewport: a small phone, so every step proves the narrow layout.</summary>
    public const int PhoneWidth = 375;

    /// <summary>A fresh Chromium with its own empty profile, at <paramref name="width"/> px (phone width by default).</summary>
    public async Task<IBrowserContext> NewBrowserAsync(int width = PhoneWidth)
    {
        var profile = Directory.CreateTempSubdirectory("storefront-chromium-");
        var context = await _playwright!.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = width, Height = 812 },
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

    /// <summary>A dev token; an administrator's is signed with the profile's key (the dev-token endpoint never issues admin).</summary>
    public async Task<string> TokenAsync(string userId, params string[] roles)
    {
        if (roles.Contains("admin"))
        {
            return Flipkart.Testing.DevSigningKeyTokens.Create(RepositoryRoot, Run!.Profile, userId, "admin");
        }
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

    /// <summary>Timings measured by the tests (e.g. Place order to Confirmed), one line each, for the run's report.</summary>
    public static string MeasurementsPath { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront-measurements.txt");

    private static readonly Lock MeasurementsGate = new();

    /// <summary>Logs a measurement to the test output, the console and <see cref="MeasurementsPath"/> (never asserted: timings are not pass/fail here).</summary>
    public void RecordMeasurement(string line)
    {
        var stamped = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine($"storefront: {line}");
        lock (MeasurementsGate)
        {
            File.AppendAllLines(MeasurementsPath, [stamped]);
        }
    }

    /// <summary>Every process's log lines of the run, written when the class finishes (for looking into a failure).</summary>
    public static string RunLogPath { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "storefront-run.log");

    public async ValueTask DisposeAsync()
    {
        if (SkipReason is null)
        {
            await File.WriteAllTextAsync(RunLogPath, Output.Tail(int.MaxValue));
            Console.WriteLine($"storefront tests: screenshots in {ScreenshotFolder}, measurements in {MeasurementsPath}, run log in {RunLogPath}");
        }
        _playwright?.Dispose();
        Gateway.Dispose();
        if (Run is not null)
        {
            await Run.DisposeAsync();
        }
    }

    private sealed record TokenAnswer(string AccessToken);
}
