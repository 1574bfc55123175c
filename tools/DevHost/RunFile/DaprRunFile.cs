using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Flipkart.DevHost.RunFile;

/// <summary>
/// The parts of a Dapr Multi-App Run file (<c>dapr.yaml</c>) the local run needs. Keys DevHost has no use for
/// (log destinations, health probe tuning, ...) are ignored so the same file keeps working with the real CLI.
/// </summary>
public sealed class DaprRunFile
{
    public int Version { get; set; }
    public RunFileApp Common { get; set; } = new();
    public List<RunFileApp> Apps { get; set; } = [];

    /// <summary>Reads and validates a run file; a directory means its <c>dapr.yaml</c>, as with <c>dapr run -f</c>.</summary>
    public static DaprRunFile Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "dapr.yaml") : path;
        if (!File.Exists(file))
        {
            throw new DevHostException($"Run file not found: {file}");
        }

        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .IgnoreUnmatchedProperties()
            .Build();

        DaprRunFile runFile;
        try
        {
            runFile = deserializer.Deserialize<DaprRunFile>(File.ReadAllText(file)) ?? new DaprRunFile();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new DevHostException($"{file} is not valid YAML: {e.Message}", e);
        }

        runFile.Validate(file);
        return runFile;
    }

    private void Validate(string file)
    {
        // The same rules the Dapr CLI applies, so a file DevHost accepts is one `dapr run -f` accepts too.
        if (Version != 1)
        {
            throw new DevHostException($"{file}: 'version' must be 1 (found {Version}).");
        }
        if (Apps.Count == 0)
        {
            throw new DevHostException($"{file}: 'apps' is empty.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in Apps)
        {
            if (string.IsNullOrWhiteSpace(app.AppDirPath))
            {
                throw new DevHostException($"{file}: every app needs 'appDirPath' (app '{app.AppId}').");
            }
            if (string.IsNullOrWhiteSpace(app.AppId))
            {
                // The CLI falls back to the folder name.
                app.AppId = Path.GetFileName(app.AppDirPath.TrimEnd('/', '\\')).ToLowerInvariant();
            }
            if (app.AppId.Contains('.'))
            {
                throw new DevHostException($"{file}: app-id '{app.AppId}' must not contain dots.");
            }
            if (!seen.Add(app.AppId))
            {
                throw new DevHostException($"{file}: app-id '{app.AppId}' appears twice.");
            }
            if (app.AppPort is null or <= 0 or > 65535)
            {
                throw new DevHostException($"{file}: app '{app.AppId}' needs an 'appPort' between 1 and 65535.");
            }
        }
    }
}

/// <summary>One entry of <c>apps</c> (the same shape serves as <c>common</c>, whose values are defaults).</summary>
public sealed class RunFileApp
{
    [YamlMember(Alias = "appID")]
    public string AppId { get; set; } = "";
    public string AppDirPath { get; set; } = "";
    public int? AppPort { get; set; }
    public string? AppProtocol { get; set; }
    [YamlMember(Alias = "daprHTTPPort")]
    public int? DaprHttpPort { get; set; }
    [YamlMember(Alias = "daprGRPCPort")]
    public int? DaprGrpcPort { get; set; }
    public List<string>? Command { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public List<string>? ResourcesPaths { get; set; }
    public string? ResourcesPath { get; set; }
    public string? ConfigFilePath { get; set; }
    public string? AppHealthCheckPath { get; set; }
}
