using System.Security.Claims;
using Flipkart.ServiceDefaults;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>
/// Shapes every proxied request into a Dapr service invocation and the caller's identity into the headers
/// services trust. Anything a client sends that could impersonate the gateway or steer the sidecar
/// (<c>dapr-*</c>, <c>X-User-*</c>) is dropped first; the bearer token itself stops here.
/// </summary>
public sealed class DaprInvocationTransforms(IConfiguration configuration) : ITransformProvider
{
    public const string DaprAppIdHeader = "dapr-app-id";
    public const string DaprApiTokenHeader = "dapr-api-token";

    private readonly string? apiToken = configuration["DAPR_API_TOKEN"] is { Length: > 0 } token ? token : null;

    public void ValidateRoute(TransformRouteValidationContext context)
    {
        if (context.Route.Metadata?.ContainsKey(DaprRoutes.AppIdMetadata) != true)
        {
            context.Errors.Add(new InvalidOperationException($"Route '{context.Route.RouteId}' has no {DaprRoutes.AppIdMetadata} metadata."));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var appId = context.Route.Metadata![DaprRoutes.AppIdMetadata];
        context.AddRequestTransform(transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            foreach (var name in headers.Select(h => h.Key).Where(IsClientControlled).ToArray())
            {
                headers.Remove(name);
            }

            headers.TryAddWithoutValidation(DaprAppIdHeader, appId);
            if (apiToken is not null)
            {
                headers.TryAddWithoutValidation(DaprApiTokenHeader, apiToken);
            }

            var user = transform.HttpContext.User;
            if (user.Identity?.IsAuthenticated == true && user.FindFirstValue("sub") is { Length: > 0 } userId)
            {
                headers.TryAddWithoutValidation(CallerIdentity.UserIdHeader, userId);
                headers.TryAddWithoutValidation(CallerIdentity.RolesHeader, string.Join(',', Roles(user)));
            }
            return ValueTask.CompletedTask;
        });

        // Services' server banners stay inside.
        context.AddResponseTransform(transform =>
        {
            transform.HttpContext.Response.Headers.Remove("Server");
            return ValueTask.CompletedTask;
        });
    }

    public static IEnumerable<string> Roles(ClaimsPrincipal user) =>
        user.FindAll("role").Concat(user.FindAll("roles"))
            .SelectMany(c => c.Value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal);

    private static bool IsClientControlled(string header) =>
        header.StartsWith("dapr-", StringComparison.OrdinalIgnoreCase)
        || header.Equals(CallerIdentity.UserIdHeader, StringComparison.OrdinalIgnoreCase)
        || header.Equals(CallerIdentity.RolesHeader, StringComparison.OrdinalIgnoreCase)
        || header.Equals("Authorization", StringComparison.OrdinalIgnoreCase);
}
