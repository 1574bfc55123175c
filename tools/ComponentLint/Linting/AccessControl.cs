using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Linting;

/// <summary>
/// daprd's access-control decision for an HTTP call whose caller identity is known (mTLS, as on Kubernetes):
/// the caller's policy, else the global default; the first operation whose path matches decides by verb
/// (or `*`), else the policy's default. Paths compare case-insensitively; `/*` is one segment, `/**` any
/// number (including none), `*` inside a segment any characters.
/// </summary>
public static class AccessControl
{
    public sealed record Decision(bool Allowed, string Reason);

    public static Decision Decide(IReadOnlyDictionary<string, object?> acl, string caller, string verb, string path)
    {
        var policies = acl.List("policies")?.OfType<IReadOnlyDictionary<string, object?>>().ToList() ?? [];
        var global = acl.Str("defaultAction") ?? (policies.Count > 0 ? "deny" : "allow");
        var policy = policies.FirstOrDefault(p => p.Str("appId") == caller);
        if (policy is null)
        {
            return new Decision(IsAllow(global), $"no policy for {caller}, global default {global}");
        }
        var action = policy.Str("defaultAction") ?? global;
        foreach (var operation in policy.List("operations")?.OfType<IReadOnlyDictionary<string, object?>>() ?? [])
        {
            if (operation.Str("name") is not { } name || !PathMatches(name, path))
            {
                continue;
            }
            var verbs = operation.Strings("httpVerb");
            if (verbs.Any(v => string.Equals(v, verb, StringComparison.OrdinalIgnoreCase) || v == "*"))
            {
                var opAction = operation.Str("action") ?? action;
                return new Decision(IsAllow(opAction), $"operation {name} [{string.Join(", ", verbs)}] says {opAction}");
            }
            return new Decision(IsAllow(action), $"operation {name} does not list {verb}; {caller}'s default is {action}");
        }
        return new Decision(IsAllow(action), $"no operation of {caller}'s policy matches {path}; its default is {action}");
    }

    public static bool PathMatches(string pattern, string path)
    {
        var p = Segments(pattern);
        var s = Segments(path);
        return Match(p, 0, s, 0);
    }

    private static string[] Segments(string value) =>
        (value.StartsWith('/') ? value : "/" + value).ToLowerInvariant().Split('/')[1..];

    private static bool Match(string[] pattern, int i, string[] path, int j)
    {
        if (i == pattern.Length)
        {
            return j == path.Length;
        }
        if (pattern[i] == "**")
        {
            return true;
        }
        if (j == path.Length)
        {
            return false;
        }
        return Glob(pattern[i], path[j]) && Match(pattern, i + 1, path, j + 1);
    }

    private static bool Glob(string pattern, string text)
    {
        if (pattern == "*")
        {
            return true;
        }
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return pattern == text;
        }
        if (!text.StartsWith(parts[0], StringComparison.Ordinal))
        {
            return false;
        }
        var position = parts[0].Length;
        for (var k = 1; k < parts.Length - 1; k++)
        {
            var found = text.IndexOf(parts[k], position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position = found + parts[k].Length;
        }
        return text.Length - position >= parts[^1].Length && text.EndsWith(parts[^1], StringComparison.Ordinal);
    }

    private static bool IsAllow(string action) => string.Equals(action, "allow", StringComparison.OrdinalIgnoreCase);
}
