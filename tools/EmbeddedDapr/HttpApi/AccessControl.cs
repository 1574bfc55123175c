using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>
/// Configuration <c>spec.accessControl</c>, evaluated for the callee with the caller's app-id. daprd needs mTLS
/// (Sentry) to know the caller; the embedded cluster always knows it, so policies behave as in Kubernetes.
/// </summary>
internal static class AccessControl
{
    public static bool IsAllowed(JsonObject? acl, string callerAppId, string method, string verb)
    {
        if (acl is null)
        {
            return true;
        }
        var policies = (acl["policies"] as JsonArray ?? []).OfType<JsonObject>().ToArray();
        var globalAllow = acl["defaultAction"]?.ToString() is { Length: > 0 } action
            ? IsAllow(action)
            : policies.Length == 0;
        var policy = policies.FirstOrDefault(p => p["appId"]?.ToString() == callerAppId);
        if (policy is null)
        {
            return globalAllow;
        }
        var policyAllow = policy["defaultAction"]?.ToString() is { Length: > 0 } own ? IsAllow(own) : globalAllow;
        var path = "/" + method.TrimStart('/');
        foreach (var operation in (policy["operations"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!Matches(operation["name"]?.ToString() ?? "", path))
            {
                continue;
            }
            var verbs = (operation["httpVerb"] as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToArray();
            if (verbs.Length == 0 || verbs.Any(v => v == "*" || string.Equals(v, verb, StringComparison.OrdinalIgnoreCase)))
            {
                return IsAllow(operation["action"]?.ToString() ?? "allow");
            }
        }
        return policyAllow;
    }

    private static bool IsAllow(string action) => string.Equals(action, "allow", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>/**</c> = any number of stages, <c>/*</c> = one stage, <c>*</c> inside a segment = any characters.</summary>
    private static bool Matches(string pattern, string path)
    {
        var normalized = "/" + pattern.TrimStart('/');
        var regex = "^" + string.Join("/", normalized.Split('/').Select(segment => segment switch
        {
            "**" => ".*",
            _ => Regex.Escape(segment).Replace("\\*", "[^/]*", StringComparison.Ordinal),
        })) + "$";
        return Regex.IsMatch(path, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
