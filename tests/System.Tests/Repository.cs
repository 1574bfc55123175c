using System.Reflection;

namespace Flipkart.SystemTests;

/// <summary>The repository under test: the folder above the test assembly holding dapr.yaml.</summary>
internal static class Repository
{
    public static readonly string Root = Flipkart.DevHost.LocalRun.FindRepositoryRoot(
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value);

    public static string RunFile => Path.Combine(Root, "dapr.yaml");

    public static bool HasService(string folder) =>
        Directory.Exists(Path.Combine(Root, "services", folder)) && Directory.EnumerateFiles(Path.Combine(Root, "services", folder), "*.csproj").Any();
}
