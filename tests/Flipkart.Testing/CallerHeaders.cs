using Flipkart.ServiceDefaults;

namespace Flipkart.Testing;

/// <summary>Calls a service as the Gateway would after checking a token: with the caller's id and roles stamped.</summary>
public static class CallerHeaders
{
    /// <summary>Stamps <paramref name="userId"/> and <paramref name="roles"/> (none: anonymous) on every request of the client.</summary>
    public static HttpClient As(this HttpClient client, string? userId, params string[] roles)
    {
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.UserIdHeader, userId);
        }
        if (roles.Length > 0)
        {
            client.DefaultRequestHeaders.Add(CallerIdentity.RolesHeader, string.Join(',', roles));
        }
        return client;
    }
}
