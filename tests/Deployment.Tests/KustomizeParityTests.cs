using System.Diagnostics;
using System.Text.Json.Nodes;
using Flipkart.Deployment.Tests.Kustomize;

namespace Flipkart.Deployment.Tests;

/// <summary>
/// Where the real kustomize is at hand (`kubectl kustomize`), the C# composition the other tests check
/// must equal its output document for document; otherwise these tests say so and skip.
/// </summary>
[Unit]
public sealed class KustomizeParityTests
{
    [Theory]
    [InlineData("aks")]
    [InlineData("eks")]
    public void The_composition_equals_kubectl_kustomize_output(string overlay)
    {
        var kustomized = RunKubectlKustomize(Repository.Path("k8s", overlay));

        var expected = YamlJson.LoadAll(kustomized).OfType<JsonObject>().Select(Canonical).Order(StringComparer.Ordinal).ToList();
        var actual = ComposedOverlay.Load(overlay).Manifests.Select(m => Canonical(m.Json)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    private static string RunKubectlKustomize(string folder)
    {
        var kubectl = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl"))
            .FirstOrDefault(File.Exists);
        if (kubectl is null)
        {
            Assert.Skip("kubectl is not installed, so the composition cannot be compared with kustomize's");
        }
        var start = new ProcessStartInfo(kubectl, ["kustomize", folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {folder} failed: {stderr}");
        return stdout.Result;
    }

    /// <summary>JSON with object keys sorted, so documents compare regardless of field order.</summary>
    private static string Canonical(JsonNode? node) => Sort(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sort)]),
        _ => node?.DeepClone(),
    };
}
