using System.Globalization;
using System.Text.RegularExpressions;

namespace Flipkart.LoadTest.Targets;

/// <summary>
/// A throwaway copy of a component profile with the gateway sidecar's rate-limit middleware raised for the run.
/// The profile's 1000 req/s ceiling protects a real deployment; a load test that kept it would measure the
/// limiter, not the system. The copy keeps the folder depth (…/components/&lt;profile&gt;), so relative paths such as the
/// secret store's <c>../../components/&lt;profile&gt;/secrets.json</c> still resolve inside it.
/// </summary>
public sealed partial class ProfileOverlay : IDisposable
{
    private readonly DirectoryInfo _root;

    private ProfileOverlay(DirectoryInfo root, string resourcesPath, string? change)
    {
        _root = root;
        ResourcesPath = resourcesPath;
        Change = change;
    }

    public string ResourcesPath { get; }

    /// <summary>What was changed, for the report; null when the profile has no rate-limit component.</summary>
    public string? Change { get; }

    public static ProfileOverlay Create(string profileFolder, string profile, int maxRequestsPerSecond)
    {
        var root = Directory.CreateTempSubdirectory("flipkart-loadtest-profile-");
        var target = Path.Combine(root.FullName, "components", profile);
        Directory.CreateDirectory(target);
        string? change = null;
        foreach (var file in Directory.EnumerateFiles(profileFolder))
        {
            var text = File.ReadAllText(file);
            if (file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal))
            {
                var raised = RaiseRateLimit(text, maxRequestsPerSecond, out var from);
                if (from is not null)
                {
                    change = $"sidecar middleware.http.ratelimit maxRequestsPerSecond {from} → {maxRequestsPerSecond} (copy of components/{profile}/{Path.GetFileName(file)} for this run)";
                    text = raised;
                }
            }
            File.WriteAllText(Path.Combine(target, Path.GetFileName(file)), text);
        }
        return new ProfileOverlay(root, target, change);
    }

    /// <summary>Replaces the value of <c>maxRequestsPerSecond</c> in a <c>middleware.http.ratelimit</c> component; other documents stay as they are.</summary>
    internal static string RaiseRateLimit(string yaml, int maxRequestsPerSecond, out string? previous)
    {
        previous = null;
        if (!yaml.Contains("middleware.http.ratelimit", StringComparison.Ordinal) || !yaml.Contains("kind: Component", StringComparison.Ordinal))
        {
            return yaml;
        }
        var match = RateValue().Match(yaml);
        if (!match.Success)
        {
            return yaml;
        }
        previous = match.Groups["value"].Value;
        return string.Concat(yaml.AsSpan(0, match.Groups["value"].Index),
            maxRequestsPerSecond.ToString(CultureInfo.InvariantCulture),
            yaml.AsSpan(match.Groups["value"].Index + match.Groups["value"].Length));
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"name:\s*maxRequestsPerSecond\s*\n\s*value:\s*""?(?<value>[0-9.]+)""?")]
    private static partial Regex RateValue();
}
