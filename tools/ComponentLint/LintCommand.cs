using Flipkart.ComponentLint.Linting;
using Flipkart.ComponentLint.Needs;
using Flipkart.ComponentLint.Resources;

namespace Flipkart.ComponentLint;

/// <summary>
/// <c>ComponentLint &lt;resources-folder&gt; [more folders laid over it…] [--needs file] [--root dir]</c>.
/// Exit codes: 0 = no errors (warnings allowed), 1 = errors, 2 = bad usage.
/// </summary>
public static class LintCommand
{
    public const string Usage = """
        usage: ComponentLint <resources-folder> [overlay-folder ...] [--needs <service-needs.yaml>] [--root <repo-root>]

        Checks a Dapr resources folder (a profile under components/) the way daprd loads it, and against
        components/service-needs.yaml: required metadata, unknown metadata (daprd ignores it silently),
        every component a service needs exists, is scoped to it and has the capabilities the service relies on,
        exactly one actor state store, resolvable secretKeyRefs. Later folders replace same-named resources.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var folders = new List<string>();
        string? needsFile = null;
        string? root = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--needs" when i + 1 < args.Length:
                    needsFile = args[++i];
                    break;
                case "--root" when i + 1 < args.Length:
                    root = args[++i];
                    break;
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    error.WriteLine($"unknown option {flag}");
                    error.WriteLine(Usage);
                    return 2;
                default:
                    folders.Add(args[i]);
                    break;
            }
        }
        if (folders.Count == 0)
        {
            error.WriteLine(Usage);
            return 2;
        }

        root ??= FindRepositoryRoot(folders[0]);
        if (root is null)
        {
            error.WriteLine($"cannot find the repository root above {folders[0]} (a folder holding components/service-needs.yaml); pass --root");
            return 2;
        }
        needsFile ??= Path.Combine(root, "components", "service-needs.yaml");
        try
        {
            var result = new ProfileLinter(ServiceNeeds.Load(needsFile), root).Lint(Profile.Load(folders));
            output.Write(LintReport.Render(result, string.Join(" + ", folders)));
            return result.Passed ? 0 : 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 2;
        }
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds components/service-needs.yaml.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "components", "service-needs.yaml")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
