using System.Reflection;

namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>The repository under test: the folder above the test assembly holding dapr.yaml.</summary>
internal static class Repository
{
    public static readonly string Root = Flipkart.DevHost.LocalRun.FindRepositoryRoot(
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value);
}
