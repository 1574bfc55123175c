using System.Reflection;

namespace Flipkart.Testing;

/// <summary>The repository under test (the build output may live elsewhere: ArtifactsPath), as the kit was built from it.</summary>
public static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
