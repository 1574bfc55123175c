using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Who is calling, as the Gateway vouches for it. The Gateway validates the client's JWT, strips any client-sent
/// identity headers and stamps these; services sit behind Dapr (app API token, access control) so only the
/// Gateway's calls reach them with these headers. <see cref="CallerAuthentication"/> turns the headers into the
/// request's <see cref="ClaimsPrincipal"/>; endpoints take a <see cref="CallerIdentity"/> parameter, bound from it.
/// </summary>
public sealed record CallerIdentity(string UserId, IReadOnlySet<string> Roles)
{
    public const string UserIdHeader = "X-User-Id";
    public const string RolesHeader = "X-User-Roles";
    public const string AdminRole = "admin";
    public const string CustomerRole = "customer";

    /// <summary>Claim types of the principal, the same names the Gateway's tokens use.</summary>
    public const string UserIdClaim = "sub";
    public const string RoleClaim = "role";

    public bool IsAdmin => Roles.Contains(AdminRole);

    /// <summary>The caller, or null when the request is anonymous.</summary>
    public static CallerIdentity? From(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(UserIdClaim) is { Length: > 0 } userId
            ? new CallerIdentity(userId, user.FindAll(RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal))
            : null;

    /// <summary>
    /// Minimal-API binding: a handler parameter of this type is the authenticated caller. Only endpoints that
    /// <c>RequireAuthorization()</c> take one, so an anonymous request never reaches them (it gets 401 first).
    /// </summary>
    public static ValueTask<CallerIdentity?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(From(context.User));
}
