namespace Flipkart.DevHost.RunFile;

/// <summary>An app of the run file with the CLI's merge and path rules applied: everything absolute, common values folded in.</summary>
public sealed record AppDefinition(
    string AppId,
    string AppDir,
    int AppPort,
    int? DaprHttpPort,
    int? DaprGrpcPort,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> ResourcesPaths,
    string? ConfigFile,
    string HealthCheckPath)
{
    /// <summary>The service's project file, or null when the service has not been written yet.</summary>
    public string? ProjectFile =>
        Directory.Exists(AppDir) ? Directory.EnumerateFiles(AppDir, "*.csproj").OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault() : null;

    /// <summary>Resolves the run file the way <c>dapr run -f</c> does, optionally swapping the component profile.</summary>
    /// <param name="runFilePath">The run file, or the folder holding <c>dapr.yaml</c>.</param>
    /// <param name="profile">
    /// A folder name under <c>components/</c>. Every path the run file points into <c>components/local</c> is
    /// redirected to <c>components/&lt;profile&gt;</c>, so one run file serves every profile.
    /// </param>
    public static IReadOnlyList<AppDefinition> Resolve(string runFilePath, string profile = DefaultProfile)
    {
        var file = Path.GetFullPath(Directory.Exists(runFilePath) ? Path.Combine(runFilePath, "dapr.yaml") : runFilePath);
        var runFile = DaprRunFile.Load(file);
        var baseDir = Path.GetDirectoryName(file)!;
        var common = runFile.Common;

        var defaultProfileDir = Path.Combine(baseDir, "components", DefaultProfile);
        var profileDir = Path.Combine(baseDir, "components", profile);
        if (!Directory.Exists(profileDir))
        {
            var known = Directory.Exists(Path.Combine(baseDir, "components"))
                ? string.Join(", ", Directory.EnumerateDirectories(Path.Combine(baseDir, "components")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                : "none";
            throw new DevHostException($"Component profile '{profile}' not found at {profileDir} (profiles: {known}).");
        }

        string SwapProfile(string path) =>
            path.StartsWith(defaultProfileDir, StringComparison.Ordinal) ? profileDir + path[defaultProfileDir.Length..] : path;

        // The CLI resolves common paths against the run file's folder and an app's own paths against its appDirPath.
        static string Absolute(string root, string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        static List<string> Resources(RunFileApp app) =>
            [.. app.ResourcesPaths ?? [], .. string.IsNullOrWhiteSpace(app.ResourcesPath) ? [] : new[] { app.ResourcesPath }];

        var commonResources = Resources(common).Select(p => SwapProfile(Absolute(baseDir, p))).ToList();
        var commonConfig = common.ConfigFilePath is { Length: > 0 } c ? SwapProfile(Absolute(baseDir, c)) : null;

        return runFile.Apps.Select(app =>
        {
            var appDir = Absolute(baseDir, app.AppDirPath);
            var appResources = Resources(app).Select(p => SwapProfile(Absolute(appDir, p))).ToList();

            var env = new Dictionary<string, string>(common.Env ?? [], StringComparer.Ordinal);
            foreach (var (key, value) in app.Env ?? [])
            {
                env[key] = value;
            }

            return new AppDefinition(
                app.AppId,
                appDir,
                app.AppPort!.Value,
                app.DaprHttpPort ?? common.DaprHttpPort,
                app.DaprGrpcPort ?? common.DaprGrpcPort,
                app.Command ?? common.Command ?? [],
                env,
                appResources.Count > 0 ? appResources : commonResources,
                app.ConfigFilePath is { Length: > 0 } own ? SwapProfile(Absolute(appDir, own)) : commonConfig,
                app.AppHealthCheckPath ?? common.AppHealthCheckPath ?? "/healthz");
        }).ToList();
    }

    public const string DefaultProfile = "local";
}
