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

    private readonly string? apiToken = DaprSidecar.ApiToken(configuration);

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
            // NonValidated: the names without parsing every value; a list only in the rare request that needs it.
            List<string>? dropped = null;
            foreach (var header in headers.NonValidated)
            {
                if (IsClientControlled(header.Key))
                {
                    (dropped ??= []).Add(header.Key);
                }
            }
            foreach (var name in dropped ?? [])
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

        context.AddResponseTransform(async transform =>
        {
            // Services' server banners stay inside.
            transform.HttpContext.Response.Headers.Remove("Server");
            if (await DaprInvocationErrorAsync(transform.ProxyResponse) is { } status)
            {
                // The sidecar could not reach the app (down, unknown, or denied by access control). Its error
                // names internal app-ids and addresses, so the client gets a plain ProblemDetails instead.
                transform.SuppressResponseBody = true;
                var response = transform.HttpContext.Response;
                response.Headers.Clear();
                response.Headers.RetryAfter = "5";
                await ProblemWriter.WriteAsync(transform.HttpContext, status,
                    status == StatusCodes.Status503ServiceUnavailable ? "Service unavailable" : "Bad gateway",
                    $"The {appId} service could not be reached. Try again shortly.");
            }
        });
    }

    /// <summary>
    /// The status to answer with when the response is the sidecar's own invocation failure
    /// (<c>ERR_DIRECT_INVOKE</c>) rather than the app's answer; null to pass the response through.
    /// </summary>
    private static async Task<int?> DaprInvocationErrorAsync(HttpResponseMessage? response)
    {
        if (response is null || (int)response.StatusCode is not (500 or 403)
            || response.Content.Headers.ContentType?.MediaType != "application/json"
            || response.Content.Headers.ContentLength > 4_096)
        {
            return null;
        }

        // Buffered (error bodies are small), so YARP can still copy the body when it is the app's own error.
        await response.Content.LoadIntoBufferAsync(1024 * 1024);
        var body = await response.Content.ReadAsByteArrayAsync();
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var isDaprError = json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.TryGetProperty("errorCode", out var code)
                && code.ValueKind == System.Text.Json.JsonValueKind.String
                && code.GetString() == "ERR_DIRECT_INVOKE";
            return !isDaprError ? null
                : (int)response.StatusCode == 403 ? StatusCodes.Status502BadGateway
                : StatusCodes.Status503ServiceUnavailable;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
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
