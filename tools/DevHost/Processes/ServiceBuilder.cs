using System.Diagnostics;
using System.Text;
using Flipkart.DevHost.Output;

namespace Flipkart.DevHost.Processes;

/// <summary>
/// Builds every service once, in one MSBuild invocation (a throwaway solution listing them), instead of a
/// <c>dotnet run</c> per service, which would build and restore seven times over. Services then start from
/// their built dlls.
/// </summary>
public static class ServiceBuilder
{
    // Projects built by this process: a test run starting the system several times builds once, not once per start.
    private static readonly Dictionary<string, string> Built = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim BuildGate = new(1, 1);

    /// <returns>Project file → built dll.</returns>
    public static async Task<IReadOnlyDictionary<string, string>> BuildAsync(
        string repositoryRoot, IReadOnlyCollection<string> projects, string configuration, IRunOutput output, CancellationToken cancellationToken)
    {
        string Key(string project) => $"{ArtifactsPath(repositoryRoot)}|{configuration}|{project}";

        await BuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (projects.All(p => Built.TryGetValue(Key(p), out var dll) && File.Exists(dll)))
            {
                return projects.ToDictionary(p => p, p => Built[Key(p)], StringComparer.Ordinal);
            }
            if (UpToDate(repositoryRoot, projects, configuration) is { } current)
            {
                // Nothing under services/ (nor the repository's build settings) changed since the last build of these
                // projects: MSBuild would spend seconds finding that out.
                return current;
            }
            output.Progress($"building {projects.Count} service(s) ({configuration}) ...");
            var clock = Stopwatch.StartNew();
            var started = DateTime.UtcNow;
            var dlls = await BuildOnceAsync(repositoryRoot, projects, configuration, cancellationToken).ConfigureAwait(false);
            WriteStamp(repositoryRoot, projects, configuration, started);
            output.Progress($"built in {clock.Elapsed.TotalSeconds:0.0}s");
            foreach (var (project, dll) in dlls)
            {
                Built[Key(project)] = dll;
            }
            return dlls;
        }
        finally
        {
            BuildGate.Release();
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> BuildOnceAsync(
        string repositoryRoot, IReadOnlyCollection<string> projects, string configuration, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("devhost-build-");
        try
        {
            var solution = Path.Combine(work.FullName, "services.slnx");
            var xml = new StringBuilder("<Solution>\n");
            foreach (var project in projects)
            {
                xml.Append("  <Project Path=\"").Append(System.Security.SecurityElement.Escape(project)).Append("\" />\n");
            }
            xml.Append("</Solution>\n");
            await File.WriteAllTextAsync(solution, xml.ToString(), cancellationToken).ConfigureAwait(false);

            // One build at a time per artifacts folder: two runs building the same projects would fight over outputs.
            var artifacts = ArtifactsPath(repositoryRoot);
            Directory.CreateDirectory(artifacts);
            await using (await BuildLock.AcquireAsync(Path.Combine(artifacts, ".devhost-build.lock"), cancellationToken).ConfigureAwait(false))
            {
                await RunBuildAsync(repositoryRoot, solution, configuration, cancellationToken).ConfigureAwait(false);
            }

            var dlls = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var project in projects)
            {
                dlls[project] = await LocateDllAsync(repositoryRoot, project, configuration, cancellationToken).ConfigureAwait(false);
            }
            return dlls;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Where the artifacts layout (UseArtifactsOutput) puts a project's dll: bin/&lt;project&gt;/&lt;config, lower-case&gt;/.</summary>
    public static string ConventionalDll(string repositoryRoot, string project, string configuration)
    {
        var name = Path.GetFileNameWithoutExtension(project);
        return Path.Combine(ArtifactsPath(repositoryRoot), "bin", name, configuration.ToLowerInvariant(), name + ".dll");
    }

    /// <summary>
    /// The dlls of a previous build by DevHost when it covered these projects and no input is newer than it: any file
    /// under <c>services/</c> (outside bin/obj) and the repository-wide build files. Null = build.
    /// </summary>
    internal static IReadOnlyDictionary<string, string>? UpToDate(string repositoryRoot, IReadOnlyCollection<string> projects, string configuration)
    {
        var stamp = new FileInfo(StampPath(repositoryRoot, configuration));
        if (!stamp.Exists)
        {
            return null;
        }
        var covered = File.ReadAllLines(stamp.FullName).ToHashSet(StringComparer.Ordinal);
        var dlls = projects.ToDictionary(p => p, p => ConventionalDll(repositoryRoot, p, configuration), StringComparer.Ordinal);
        if (!projects.All(covered.Contains) || !dlls.Values.All(File.Exists))
        {
            return null;
        }
        var builtAt = stamp.LastWriteTimeUtc;
        var inputs = Directory.EnumerateFiles(Path.Combine(repositoryRoot, "services"), "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config" }
                .Select(f => Path.Combine(repositoryRoot, f)).Where(File.Exists));
        return inputs.Any(f => File.GetLastWriteTimeUtc(f) > builtAt) ? null : dlls;
    }

    private static string StampPath(string repositoryRoot, string configuration) =>
        Path.Combine(ArtifactsPath(repositoryRoot), $".devhost-built-{configuration.ToLowerInvariant()}");

    /// <summary>
    /// Written after a successful build with exactly the projects it covered, dated when the build started (an edit
    /// made while it ran is newer, so the next start builds again).
    /// </summary>
    private static void WriteStamp(string repositoryRoot, IReadOnlyCollection<string> projects, string configuration, DateTime startedUtc)
    {
        var path = StampPath(repositoryRoot, configuration);
        File.WriteAllLines(path, projects.Order(StringComparer.Ordinal));
        File.SetLastWriteTimeUtc(path, startedUtc);
    }

    /// <summary>The artifacts root the build writes to: <c>ArtifactsPath</c> from the environment, else the repository's <c>artifacts/</c>.</summary>
    public static string ArtifactsPath(string repositoryRoot) =>
        Environment.GetEnvironmentVariable("ArtifactsPath") is { Length: > 0 } path ? Path.GetFullPath(path) : Path.Combine(repositoryRoot, "artifacts");

    private static async Task RunBuildAsync(string repositoryRoot, string solution, string configuration, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet", ["build", solution, "-c", configuration, "-nologo", "-v", "q", "-clp:NoSummary;ErrorsOnly"])
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        ScrubMsBuildEnvironment(info);

        using var process = Process.Start(info) ?? throw new DevHostException("Could not start 'dotnet build'.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            var log = (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false)).Trim();
            var failed = FailedProjects(log);
            var which = failed.Count > 0 ? $" for {string.Join(", ", failed)}" : "";
            throw new DevHostException($"Building the services failed{which} (dotnet build exit code {process.ExitCode}):{Environment.NewLine}{log}");
        }
    }

    /// <summary>The projects MSBuild blames: each error line ends with <c>[/path/Project.csproj]</c>.</summary>
    internal static IReadOnlyList<string> FailedProjects(string log) =>
        log.Split('\n')
            .Where(line => line.Contains(": error ", StringComparison.Ordinal))
            .Select(line => line.TrimEnd('\r', ' '))
            .Where(line => line.EndsWith(".csproj]", StringComparison.Ordinal) && line.LastIndexOf('[') >= 0)
            .Select(line => Path.GetFileNameWithoutExtension(line[(line.LastIndexOf('[') + 1)..^1]))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static async Task<string> LocateDllAsync(string repositoryRoot, string project, string configuration, CancellationToken cancellationToken)
    {
        // The artifacts layout (UseArtifactsOutput in Directory.Build.props) is bin/<project>/<config, lower-case>/.
        var name = Path.GetFileNameWithoutExtension(project);
        var conventional = Path.Combine(ArtifactsPath(repositoryRoot), "bin", name, configuration.ToLowerInvariant(), name + ".dll");
        if (File.Exists(conventional))
        {
            return conventional;
        }

        // A project that renames its assembly or output: ask MSBuild.
        var info = new ProcessStartInfo("dotnet", ["msbuild", project, "-getProperty:TargetPath", $"-p:Configuration={configuration}", "-nologo"])
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        ScrubMsBuildEnvironment(info);
        using var process = Process.Start(info) ?? throw new DevHostException("Could not start 'dotnet msbuild'.");
        var path = (await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0 || !File.Exists(path))
        {
            throw new DevHostException($"Built {name}, but found no assembly for it (looked at {conventional} and MSBuild's TargetPath '{path}').");
        }
        return path;
    }

    /// <summary>
    /// A build started from inside `dotnet test` or `dotnet run` inherits the outer MSBuild's variables, which can
    /// point the inner one at the wrong SDK pieces; start it as a shell would.
    /// </summary>
    private static void ScrubMsBuildEnvironment(ProcessStartInfo info)
    {
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && !key.Equals("MSBUILDDISABLENODEREUSE", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
    }

    private sealed class BuildLock(FileStream stream) : IAsyncDisposable
    {
        public static async Task<BuildLock> AcquireAsync(string path, CancellationToken cancellationToken)
        {
            while (true)
            {
                try
                {
                    return new BuildLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    await Task.Delay(250, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }
}
