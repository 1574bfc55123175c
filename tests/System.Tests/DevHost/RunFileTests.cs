using Flipkart.DevHost;
using Flipkart.DevHost.RunFile;

namespace Flipkart.SystemTests.DevHost;

/// <summary>dapr.yaml is the one source of truth for app-ids, ports and commands, for DevHost and the Dapr CLI alike.</summary>
public sealed class RunFileTests
{
    private static readonly string[] AppIds = ["gateway", "catalog", "cart", "inventory", "ordering", "payment", "notification", "fulfilment", "storefront"];

    [Fact]
    public void The_run_file_lists_every_app_id_once_with_its_documented_port()
    {
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));

        Assert.Equal(AppIds, apps.Select(a => a.AppId));
        Assert.Equal([8080, 5101, 5102, 5103, 5104, 5105, 5106, 5108, 5107], apps.Select(a => a.AppPort));
        Assert.All(apps, app => Assert.Equal(["dotnet", "run", "--no-launch-profile"], app.Command));
        Assert.All(apps, app => Assert.Equal("/healthz", app.HealthCheckPath));
    }

    [Fact]
    public void Every_app_gets_its_own_listen_url_and_the_development_environment()
    {
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));

        Assert.All(apps, app =>
        {
            Assert.Equal($"http://127.0.0.1:{app.AppPort}", app.Env["ASPNETCORE_URLS"]);
            Assert.Equal("Development", app.Env["ASPNETCORE_ENVIRONMENT"]);
        });
    }

    [Fact]
    public void The_storefront_is_pointed_at_the_gateway_s_public_url_from_the_run_file()
    {
        // It is a client of the gateway like any browser, not a Dapr caller: its one backend setting is that URL.
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));
        var gateway = apps.Single(a => a.AppId == LocalRun.GatewayAppId);
        var storefront = apps.Single(a => a.AppId == LocalRun.StorefrontAppId);

        Assert.Equal($"http://127.0.0.1:{gateway.AppPort}", storefront.Env["Storefront__GatewayUrl"]);
        Assert.True(LocalRun.IsPublicApp(LocalRun.StorefrontAppId));
        Assert.False(LocalRun.IsPublicApp("catalog"));
    }

    [Fact]
    public void Sidecar_ports_are_distinct_across_apps()
    {
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));
        var ports = apps.SelectMany(a => new[] { a.AppPort, a.DaprHttpPort!.Value, a.DaprGrpcPort!.Value }).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void Fixed_ports_lie_below_the_ephemeral_range_so_no_outgoing_connection_can_hold_one()
    {
        // Linux hands out 32768-60999 (Windows 49152-65535) for outgoing connections; a fixed port in there is
        // taken at random by whatever else runs on the machine.
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));

        Assert.All(apps.SelectMany(a => new[] { a.AppPort, a.DaprHttpPort!.Value, a.DaprGrpcPort!.Value }), port => Assert.InRange(port, 1024, 32767));
    }

    [Fact]
    public void Paths_resolve_the_way_the_dapr_cli_resolves_them_and_point_at_existing_files()
    {
        // Common paths are relative to the run file, an app's own paths to its appDirPath (dapr/cli runfileconfig).
        var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"));
        var local = Path.Combine(Repository.Root, "components", "local");

        Assert.All(apps, app =>
        {
            Assert.Equal(Path.Combine(Repository.Root, "services", char.ToUpperInvariant(app.AppId[0]) + app.AppId[1..]), app.AppDir);
            Assert.Equal([local], app.ResourcesPaths);
            Assert.True(File.Exists(app.ConfigFile), $"{app.AppId}: {app.ConfigFile} does not exist");
        });
        Assert.Equal(Path.Combine(local, "gateway-config.yaml"), apps.Single(a => a.AppId == "gateway").ConfigFile);
        Assert.Equal(Path.Combine(local, "fulfilment-config.yaml"), apps.Single(a => a.AppId == "fulfilment").ConfigFile);
        Assert.All(apps.Where(a => a.AppId is not ("gateway" or "fulfilment")), app => Assert.Equal(Path.Combine(local, "appconfig.yaml"), app.ConfigFile));
    }

    [Fact]
    public void A_profile_redirects_every_component_path_and_keeps_the_rest()
    {
        var profiles = Directory.EnumerateDirectories(Path.Combine(Repository.Root, "components")).Select(Path.GetFileName).OfType<string>().ToList();
        Assert.Contains("local", profiles);

        foreach (var profile in profiles)
        {
            var folder = Path.Combine(Repository.Root, "components", profile);
            var apps = AppDefinition.Resolve(Repository.Path("dapr.yaml"), profile);

            Assert.All(apps, app =>
            {
                Assert.Equal([folder], app.ResourcesPaths);
                Assert.StartsWith(folder + Path.DirectorySeparatorChar, app.ConfigFile);
                Assert.True(File.Exists(app.ConfigFile), $"profile {profile}: {app.ConfigFile} does not exist");
            });
            Assert.Equal(AppIds, apps.Select(a => a.AppId));
        }
    }

    [Fact]
    public void An_unknown_profile_is_refused_with_the_profiles_that_exist()
    {
        var error = Assert.Throws<DevHostException>(() => AppDefinition.Resolve(Repository.Path("dapr.yaml"), "no-such-profile"));

        Assert.Contains("'no-such-profile' not found", error.Message);
        Assert.Contains("local", error.Message);
    }

    [Theory]
    [InlineData("version: 2\napps:\n  - appID: a\n    appDirPath: a\n    appPort: 1\n", "'version' must be 1")]
    [InlineData("version: 1\napps:\n  - appID: a\n    appPort: 1\n", "needs 'appDirPath'")]
    [InlineData("version: 1\napps:\n  - appID: a.b\n    appDirPath: a\n    appPort: 1\n", "must not contain dots")]
    [InlineData("version: 1\napps:\n  - appID: a\n    appDirPath: a\n    appPort: 1\n  - appID: a\n    appDirPath: b\n    appPort: 2\n", "appears twice")]
    [InlineData("version: 1\napps:\n  - appID: a\n    appDirPath: a\n", "needs an 'appPort'")]
    [InlineData("version: 1\napps: [\n", "not valid YAML")]
    public void An_invalid_run_file_is_refused_with_the_reason(string yaml, string reason)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("runfile-").FullName, "dapr.yaml");
        File.WriteAllText(file, yaml);

        var error = Assert.Throws<DevHostException>(() => DaprRunFile.Load(file));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void App_values_override_common_ones_and_the_app_id_defaults_to_the_folder_name()
    {
        var dir = Directory.CreateTempSubdirectory("runfile-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "components", "local"));
        Directory.CreateDirectory(Path.Combine(dir, "components", "other"));
        File.WriteAllText(Path.Combine(dir, "dapr.yaml"), """
            version: 1
            common:
              resourcesPaths: [./components/local]
              env: { A: common, B: common }
              appHealthCheckPath: /live
            apps:
              - appDirPath: svc/Shop
                appPort: 7000
                env: { B: app }
            """);

        var app = Assert.Single(AppDefinition.Resolve(dir, "other"));

        Assert.Equal("shop", app.AppId);
        Assert.Equal("common", app.Env["A"]);
        Assert.Equal("app", app.Env["B"]);
        Assert.Equal("/live", app.HealthCheckPath);
        Assert.Equal([Path.Combine(dir, "components", "other")], app.ResourcesPaths);
        Assert.Null(app.ProjectFile);
    }
}
