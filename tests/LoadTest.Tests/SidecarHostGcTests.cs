using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.DevHost.RunFile;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Tests;

/// <summary>
/// The load tool and DevHost host the embedded sidecars, so their GC pauses are in every latency a local run shows.
/// The runtime reads gen0's budget from the environment only: their launch profiles give them the services' value.
/// </summary>
public sealed class SidecarHostGcTests
{
    [Theory]
    [InlineData("tools/LoadTest")]
    [InlineData("tools/DevHost")]
    public void The_processes_hosting_the_sidecars_get_the_services_gen0_budget_from_their_launch_profile(string project)
    {
        var root = LocalRun.FindRepositoryRoot();
        var services = DaprRunFile.Load(Path.Combine(root, "dapr.yaml")).Common.Env![SystemUnderTest.Gen0SizeVariable];

        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, project, "Properties", "launchSettings.json")));
        // `dotnet run` takes the first profile whose commandName is Project.
        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject()
            .First(p => p.Value.GetProperty("commandName").GetString() == "Project").Value;

        Assert.Equal(services, profile.GetProperty("environmentVariables").GetProperty(SystemUnderTest.Gen0SizeVariable).GetString());
        Assert.Equal("0x400000", services);
    }

    [Fact]
    public void Every_report_says_whether_the_sidecars_host_runs_with_it()
    {
        Assert.Contains("DOTNET_GCgen0size=0x400000", SystemUnderTest.SidecarHostGen0Note("0x400000"), StringComparison.Ordinal);
        Assert.Contains("unset", SystemUnderTest.SidecarHostGen0Note(null), StringComparison.Ordinal);
        Assert.Contains("unset", SystemUnderTest.SidecarHostGen0Note(""), StringComparison.Ordinal);
    }
}
