using System.Diagnostics;
using System.Text.Json;
using k8s.Models;

namespace Flipkart.Deployment.Tests;

/// <summary>
/// The images the overlays run are the ones `dotnet publish /t:PublishContainer` builds: each Deployment's image
/// repository is its project's ContainerRepository, on the chiseled base, as the non-root user the pod pins.
/// (Publishing needs a container registry, so it is not run here; the properties it uses are evaluated.)
/// </summary>
[Trait("Category", "System")]
public sealed class ContainerImageTests
{
    [Fact]
    public async Task Each_deployment_runs_the_image_its_project_publishes_as_the_user_the_pod_pins()
    {
        var deployments = ComposedOverlay.Load("aks").Deployments.Concat(ComposedOverlay.Load("eks").Deployments).ToList();
        var projects = deployments.Select(d => d.Metadata.Name).Distinct().ToList();

        var evaluated = await Task.WhenAll(projects.Select(async app => (App: app, Properties: await EvaluateAsync(app))));

        foreach (var (app, properties) in evaluated)
        {
            Assert.Equal($"flipkart-dapr/{app}", properties.GetProperty("ContainerRepository").GetString());
            Assert.EndsWith("-chiseled", properties.GetProperty("ContainerBaseImage").GetString(), StringComparison.Ordinal);
            var user = long.Parse(properties.GetProperty("ContainerUser").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var deployment in deployments.Where(d => d.Metadata.Name == app))
            {
                Assert.EndsWith("/" + properties.GetProperty("ContainerRepository").GetString(), Image(deployment).Split('@')[0], StringComparison.Ordinal);
                Assert.Equal(user, deployment.Spec.Template.Spec.SecurityContext.RunAsUser);
            }
        }
    }

    private static string Image(V1Deployment deployment) => Assert.Single(deployment.Spec.Template.Spec.Containers).Image;

    private static async Task<JsonElement> EvaluateAsync(string app)
    {
        var folder = Directory.GetDirectories(Repository.Path("services")).Single(d => string.Equals(Path.GetFileName(d), app, StringComparison.OrdinalIgnoreCase));
        var project = Directory.GetFiles(folder, "*.csproj").Single();
        var start = new ProcessStartInfo("dotnet", ["msbuild", project, "-nologo", "-getProperty:ContainerRepository", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"dotnet msbuild {project}: {output}{await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
        return JsonDocument.Parse(output).RootElement.GetProperty("Properties").Clone();
    }
}
