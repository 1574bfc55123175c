using Flipkart.DevHost.Processes;

namespace Flipkart.LoadTest.Targets;

/// <summary>
/// Remembers when this tool last built the services (a stamp file in the artifacts folder, dated when that build
/// started) so the next run can skip the build when no input changed since: any file under <c>services/</c> or the
/// repository's build props. Conservative: an unrelated change under <c>services/</c> only costs a build.
/// </summary>
public sealed class BuildStamp(string repositoryRoot, string stampPath, string artifacts, string configuration, IReadOnlyCollection<string>? excludedServices = null)
{
    private static readonly string[] RootInputs = ["Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config"];

    public string Path => stampPath;

    /// <param name="excludedServices">Folders under services/ the run does not start (so never builds), e.g. the storefront.</param>
    public static BuildStamp For(string repositoryRoot, string configuration, IReadOnlyCollection<string>? excludedServices = null)
    {
        var artifacts = ServiceBuilder.ArtifactsPath(repositoryRoot);
        return new BuildStamp(repositoryRoot, System.IO.Path.Combine(artifacts, "loadtest", $"services-built.{configuration.ToLowerInvariant()}.stamp"), artifacts, configuration,
            excludedServices);
    }

    public bool IsUpToDate()
    {
        if (!File.Exists(stampPath))
        {
            return false;
        }
        var built = File.GetLastWriteTimeUtc(stampPath);
        var services = System.IO.Path.Combine(repositoryRoot, "services");
        var projects = Directory.Exists(services) ? Directory.GetFiles(services, "*.csproj", SearchOption.AllDirectories) : [];
        // Every service's output must still be there (the artifacts folder may have been cleaned since). Services are
        // the projects with a Program.cs; libraries such as ServiceDefaults are compiled into them.
        foreach (var project in projects.Where(p => !IsExcluded(p) && File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(p)!, "Program.cs"))))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(project);
            var dll = System.IO.Path.Combine(artifacts, "bin", name, configuration.ToLowerInvariant(), name + ".dll");
            if (!File.Exists(dll))
            {
                return false;
            }
        }
        return NewestInput() is { } newest && newest < built;
    }

    private bool IsExcluded(string project)
    {
        var folder = System.IO.Path.GetRelativePath(System.IO.Path.Combine(repositoryRoot, "services"), project).Split(System.IO.Path.DirectorySeparatorChar)[0];
        return excludedServices?.Contains(folder, StringComparer.OrdinalIgnoreCase) == true;
    }

    public void MarkBuilt(DateTime buildStartedUtc)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(stampPath)!);
        File.WriteAllText(stampPath, $"services built by Flipkart.LoadTest ({configuration}); build started {buildStartedUtc:O}{Environment.NewLine}");
        File.SetLastWriteTimeUtc(stampPath, buildStartedUtc);
    }

    public string Describe() => $"stamp {File.GetLastWriteTimeUtc(stampPath):HH:mm:ss} UTC";

    /// <summary>The newest modification under services/ (bin and obj excluded) and of the root build files; null when there is none.</summary>
    internal DateTime? NewestInput()
    {
        DateTime? newest = null;
        void Consider(DateTime t) => newest = newest is { } n && n >= t ? n : t;

        foreach (var file in RootInputs.Select(f => System.IO.Path.Combine(repositoryRoot, f)).Where(File.Exists))
        {
            Consider(File.GetLastWriteTimeUtc(file));
        }
        var pending = new Stack<string>([System.IO.Path.Combine(repositoryRoot, "services")]);
        while (pending.TryPop(out var directory))
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }
            // A deleted file shows only as its folder's change time.
            Consider(Directory.GetLastWriteTimeUtc(directory));
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                Consider(File.GetLastWriteTimeUtc(file));
            }
            foreach (var sub in Directory.EnumerateDirectories(directory))
            {
                var name = System.IO.Path.GetFileName(sub);
                if (name is not ("bin" or "obj" or "node_modules") && !name.StartsWith('.'))
                {
                    pending.Push(sub);
                }
            }
        }
        return newest;
    }
}
