using System.Net.Http.Headers;
using Flipkart.DevHost;

namespace Flipkart.SystemTests.Infrastructure;

/// <summary>
/// Starts the real system once per test class: every service in the repository as a process with its embedded
/// sidecar, all on free ports, through DevHost's library. When the profile names component types the embedded
/// sidecar cannot emulate, or the gateway and catalog are not written yet, the tests skip with that reason.
/// </summary>
public abstract class LocalRunFixture(string profile) : IAsyncLifetime
{
    /// <summary>Anonymous requests per window and IP the gateway allows in these tests: small enough to reach quickly.</summary>
    public const int PerIpPermitLimit = 40;

    public BufferedRunOutput Output { get; } = new();

    public string Profile => profile;

    public LocalRun? Run { get; private set; }

    /// <summary>Why the tests of this fixture cannot run here; null when they can.</summary>
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

    /// <summary>Skips (visibly) when one of the app-ids a scenario needs is not in the repository yet.</summary>
    public void RequireApps(params string[] appIds)
    {
        var run = RequireRun();
        var missing = appIds.Where(id => !run.IsRunning(id)).ToList();
        if (missing.Count > 0)
        {
            Assert.Skip($"Needs {string.Join(", ", missing)}, not in the repository yet ({string.Join("; ", run.Skipped)}).");
        }
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
        if (!Repository.HasService("Gateway") || !Repository.HasService("Catalog"))
        {
            SkipReason = "services/Gateway and services/Catalog are not both in the repository yet.";
            return;
        }
        if (!Directory.Exists(Path.Combine(Repository.Root, "components", profile)))
        {
            SkipReason = $"components/{profile} does not exist yet.";
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
                },
            }, TestContext.Current.CancellationToken);
        }
        catch (DevHostException e) when (e.ProfileNotSupported)
        {
            SkipReason = $"The embedded sidecar cannot emulate components/{profile} yet: {e.Message}";
            return;
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
