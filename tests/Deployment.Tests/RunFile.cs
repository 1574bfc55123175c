using Flipkart.ComponentLint.Yaml;

namespace Flipkart.Deployment.Tests;

/// <summary>One app of dapr.yaml, with its Configuration file resolved the way the Dapr CLI resolves it.</summary>
public sealed record RunFileApp(string AppId, int AppPort, string ConfigurationName);

/// <summary>dapr.yaml (the Multi-App Run file): the local source of app ids, ports and Configuration names.</summary>
public static class RunFile
{
    public static string FilePath => Repository.Path("dapr.yaml");

    public static IReadOnlyList<RunFileApp> Load()
    {
        var root = (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(File.ReadAllText(FilePath)).Single()!;
        var common = root.Map("common");
        var apps = new List<RunFileApp>();
        foreach (var app in root.List("apps")!.OfType<IReadOnlyDictionary<string, object?>>())
        {
            // An app's own paths are relative to its appDirPath; `common` paths to the run file's folder.
            var config = app.Str("configFilePath") is { } own
                ? Path.Combine(Repository.Root, app.Str("appDirPath")!, own)
                : Path.Combine(Repository.Root, common.Str("configFilePath")!);
            var document = (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(File.ReadAllText(Path.GetFullPath(config))).Single()!;
            apps.Add(new RunFileApp(app.Str("appID")!, int.Parse(app.Str("appPort")!, System.Globalization.CultureInfo.InvariantCulture),
                document.Map("metadata").Str("name")!));
        }
        return apps;
    }

    /// <summary>The environment every app of the run file gets (<c>common.env</c>).</summary>
    public static IReadOnlyDictionary<string, string> CommonEnv()
    {
        var root = (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(File.ReadAllText(FilePath)).Single()!;
        var env = root.Map("common").Map("env") ?? throw new InvalidDataException("dapr.yaml has no common.env");
        return env.Keys.ToDictionary(key => key, key => env.Str(key)!, StringComparer.Ordinal);
    }
}
