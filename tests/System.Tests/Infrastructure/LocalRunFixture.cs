using System.Net.Http.Headers;
using Flipkart.DevHost;

namespace Flipkart.SystemTests.Infrastructure;

/// <summary>
/// Starts the real system once per test class: every service in the repository as a process with its embedded
/// sidecar, all on free ports, through DevHost's library. A profile left out by <see cref="ProfilesVariable"/> skips
/// with that reason; anything that keeps the system from starting fails.
/// </summary>
public abstract class LocalRunFixture(string profile) : IAsyncLifetime
{
    /// <summary>Anonymous requests per window and IP the gateway allows in these tests: small enough to reach quickly.</summary>
    public const int PerIpPermitLimit = 40;

    public BufferedRunOutput Output { get; } = new();

    public string Profile => profile;

    public LocalRun? Run { get; private set; }

    /// <summary>Why the tests of this fixture do not run in this session (its profile was not selected); null when they do.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>A client aimed at the gateway's public URL.</summary>
    public HttpClient Gateway { get; private set; } = new();

    public LocalRun RequireRun()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
        return Run!;
    }

    /// <summary>Fails when one of the app-ids a scenario needs is not running: every service is in the repository.</summary>
    public void RequireApps(params string[] appIds)
    {
        var run = RequireRun();
        var missing = appIds.Where(id => !run.IsRunning(id)).ToList();
        Assert.True(missing.Count == 0, $"{string.Join(", ", missing)} did not start ({string.Join("; ", run.Skipped)}).");
    }

    /// <summary>Limits the profiles a run exercises (comma-separated), e.g. <c>SYSTEM_TESTS_PROFILES=local</c> for a quick local loop.</summary>
    public const string ProfilesVariable = "SYSTEM_TESTS_PROFILES";

    public async ValueTask InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(ProfilesVariable) is { Length: > 0 } selected
            && !selected.Split(',', StringSplitOptions.TrimEntries).Contains(profile, StringComparer.Ordinal))
        {
            SkipReason = $"Profile {profile} is not selected by {ProfilesVariable}={selected}.";
            return;
        }
        try
        {
            Run = await LocalRun.StartAsync(new LocalRunOptions
            {
                RepositoryRoot = Repository.Root,
                Profile = profile,
                // Backend only: the storefront (a browser-facing client) has its own browser tests.
                ExcludedApps = [LocalRun.StorefrontAppId],
                GatewayPort = 0,
                DynamicPorts = true,
                Output = Output,
                StartupTimeout = TimeSpan.FromMinutes(3),
                AppEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
                {
                    [LocalRun.GatewayAppId] = GatewaySettings,
                    // The simulated warehouse rejects a share of returns at random; the return scenario needs a pass.
                    ["fulfilment"] = new Dictionary<string, string> { ["FulfilmentOptions__InspectionRejectionRate"] = "0" },
                },
            }, TestContext.Current.CancellationToken);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The local run ({profile}) did not start: {e.Message}{Environment.NewLine}{Output.Tail()}", e);
        }

        Gateway = new HttpClient { BaseAddress = Run.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        Gateway.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Gateway settings for the tests (environment variables override appsettings).</summary>
    private static readonly IReadOnlyDictionary<string, string> GatewaySettings = new Dictionary<string, string>
    {
        ["GatewayOptions__AnonymousPermitLimit"] = PerIpPermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GatewayOptions__RateLimitWindowSeconds"] = "5",
    };

    public async ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        if (Run is not null)
        {
            await Run.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class LocalProfileFixture() : LocalRunFixture("local");

public sealed class RabbitMqMySqlProfileFixture() : LocalRunFixture("rabbitmq-mysql");

public sealed class KafkaCassandraProfileFixture() : LocalRunFixture("kafka-cassandra");
