using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Who is calling, as the Gateway vouches for it. The Gateway validates the client's JWT, strips any
/// client-sent identity headers and stamps these; services sit behind Dapr (app API token, access control)
/// so only the Gateway's calls reach them with these headers.
/// </summary>
public sealed record CallerIdentity(string UserId, IReadOnlySet<string> Roles)
{
    public const string UserIdHeader = "X-User-Id";
    public const string RolesHeader = "X-User-Roles";
    public const string AdminRole = "admin";
    public const string CustomerRole = "customer";

    public bool IsAdmin => Roles.Contains(AdminRole);

    /// <summary>The caller, or null when the request carries no (valid) identity.</summary>
    public static CallerIdentity? From(HttpContext context)
    {
        var userId = context.Request.Headers[UserIdHeader].ToString();
        if (string.IsNullOrWhiteSpace(userId) || userId.Length > 128)
        {
            return null;
        }

        var roles = context.Request.Headers[RolesHeader].ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        return new CallerIdentity(userId, roles);
    }
}
