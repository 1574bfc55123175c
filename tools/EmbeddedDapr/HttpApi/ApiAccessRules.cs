using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.Resources;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>
/// Configuration <c>spec.api.allowed</c>/<c>denied</c>: which Dapr APIs the app may call, per protocol. As daprd
/// (pkg/config/configuration.go, pkg/api/http/endpoints/endpoint.go, pkg/api/grpc/endpoints.go): rules apply only to
/// their protocol (<c>http</c> or <c>grpc</c>; a rule without one applies to neither); the deny list wins; with an
/// allow list, anything not on it is off; health endpoints are always on; gRPC rules cover only the
/// <c>dapr.proto.runtime</c> methods (so the workflow task hub is never filtered).
/// </summary>
public sealed class ApiAccessRules
{
    private const string RuntimePrefix = "/dapr.proto.runtime.v1.Dapr/";

    // daprd's gRPC table: "<name>.<version>" -> the methods the rule covers (pkg/api/grpc/endpoints.go).
    private static readonly Dictionary<string, string[]> GrpcMethods = new(StringComparer.Ordinal)
    {
        ["invoke.v1"] = ["InvokeService"],
        ["state.v1"] = ["GetState", "GetBulkState", "SaveState", "DeleteState", "DeleteBulkState", "ExecuteStateTransaction"],
        ["state.v1alpha1"] = ["QueryStateAlpha1"],
        ["publish.v1"] = ["PublishEvent", "BulkPublishEvent"],
        ["publish.v1alpha1"] = ["BulkPublishEventAlpha1"],
        ["bindings.v1"] = ["InvokeBinding"],
        ["secrets.v1"] = ["GetSecret", "GetBulkSecret"],
        ["actors.v1"] = ["RegisterActorTimer", "UnregisterActorTimer", "RegisterActorReminder", "GetActorReminder", "UnregisterActorReminder",
            "UnregisterActorRemindersByType", "ListActorReminders", "GetActorState", "ExecuteActorStateTransaction", "InvokeActor"],
        ["actors.v1alpha1"] = ["SubscribeActorEventsAlpha1"],
        ["metadata.v1"] = ["GetMetadata", "SetMetadata"],
        ["configuration.v1alpha1"] = ["GetConfigurationAlpha1", "SubscribeConfigurationAlpha1", "UnsubscribeConfigurationAlpha1"],
        ["configuration.v1"] = ["GetConfiguration", "SubscribeConfiguration", "UnsubscribeConfiguration"],
        ["lock.v1alpha1"] = ["TryLockAlpha1"],
        ["unlock.v1alpha1"] = ["UnlockAlpha1"],
        ["crypto.v1alpha1"] = ["EncryptAlpha1", "DecryptAlpha1"],
        ["workflows.v1alpha1"] = ["StartWorkflowAlpha1", "GetWorkflowAlpha1", "TerminateWorkflowAlpha1", "RaiseEventWorkflowAlpha1",
            "PurgeWorkflowAlpha1", "PauseWorkflowAlpha1", "ResumeWorkflowAlpha1"],
        ["workflows.v1beta1"] = ["StartWorkflowBeta1", "GetWorkflowBeta1", "TerminateWorkflowBeta1", "RaiseEventWorkflowBeta1",
            "PurgeWorkflowBeta1", "PauseWorkflowBeta1", "ResumeWorkflowBeta1"],
        ["jobs.v1alpha1"] = ["ScheduleJobAlpha1", "DeleteJobAlpha1", "GetJobAlpha1", "DeleteJobsByPrefixAlpha1", "ListJobsAlpha1"],
        ["jobs.v1"] = ["ScheduleJob", "DeleteJob", "GetJob", "DeleteJobsByPrefix", "ListJobs"],
        ["shutdown.v1"] = ["Shutdown"],
        ["subscribe.v1alpha1"] = ["SubscribeTopicEventsAlpha1"],
        ["conversation.v1alpha1"] = ["ConverseAlpha1"],
        ["conversation.v1alpha2"] = ["ConverseAlpha2"],
    };

    private readonly HashSet<string> _httpAllowed;
    private readonly HashSet<string> _httpDenied;
    private readonly HashSet<string> _grpcAllowed;
    private readonly HashSet<string> _grpcDenied;

    private ApiAccessRules(JsonObject? api)
    {
        var allowed = Rules(api?["allowed"]);
        var denied = Rules(api?["denied"]);
        _httpAllowed = HttpKeys(allowed);
        _httpDenied = HttpKeys(denied);
        _grpcAllowed = GrpcKeys(allowed);
        _grpcDenied = GrpcKeys(denied);
    }

    public static ApiAccessRules From(ConfigurationDefinition? configuration) => new(configuration?.Document.Spec["api"] as JsonObject);

    /// <summary>Whether a gRPC method (its full path, <c>/package.Service/Method</c>) is served.</summary>
    public bool IsGrpcMethodAllowed(string fullMethod)
    {
        if (!fullMethod.StartsWith("/dapr.proto.runtime.", StringComparison.Ordinal))
        {
            return true;
        }
        if (_grpcDenied.Contains(fullMethod))
        {
            return false;
        }
        return _grpcAllowed.Count == 0 || _grpcAllowed.Contains(fullMethod);
    }

    /// <summary>
    /// Whether the HTTP route of <paramref name="path"/> is registered. <c>null</c> when the path is no Dapr API route
    /// at all (daprd sends it to the invocation fallback, which exists only while <c>invoke</c> is allowed).
    /// </summary>
    public bool? IsHttpRouteAllowed(string path)
    {
        if (Group(path) is not var (version, name, route))
        {
            return null;
        }
        if (name == "healthz")
        {
            return true; // AlwaysAllowed
        }
        return IsHttpAllowed(version, name, route);
    }

    /// <summary>The invocation fallback (<c>dapr-app-id</c> header on any path) is registered only with <c>invoke</c> allowed.</summary>
    public bool IsInvocationFallbackAllowed => IsHttpAllowed("v1", "invoke", "v1.0/invoke/");

    private bool IsHttpAllowed(string version, string name, string route)
    {
        if (_httpDenied.Count > 0 && Matches(_httpDenied, version, name, route))
        {
            return false;
        }
        return _httpAllowed.Count == 0 || Matches(_httpAllowed, version, name, route);
    }

    // The group's "<version>/<name>" key, then daprd's legacy rule: the endpoint's "<v1.0>/<route>" starts with the key.
    private static bool Matches(HashSet<string> rules, string version, string name, string route) =>
        rules.Contains($"{version}/{name}") || rules.Any(rule => route.StartsWith(rule, StringComparison.Ordinal));

    // "/v1.0-alpha1/state/store/query" -> ("v1alpha1", "state", "v1.0-alpha1/state/store/query").
    private static (string Version, string Name, string Route)? Group(string path)
    {
        var route = path.TrimStart('/');
        var parts = route.Split('/', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("v1.0", StringComparison.Ordinal))
        {
            return null;
        }
        var version = parts[0] switch
        {
            "v1.0" => "v1",
            "v1.0-alpha1" => "v1alpha1",
            "v1.0-alpha2" => "v1alpha2",
            "v1.0-beta1" => "v1beta1",
            _ => null,
        };
        return version is null ? null : (version, parts[1], route);
    }

    private static (string Name, string Version, string Protocol)[] Rules(JsonNode? list) =>
        (list as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(r => (r["name"]?.ToString() ?? "", r["version"]?.ToString() ?? "", (r["protocol"]?.ToString() ?? "").ToLowerInvariant()))
            .ToArray();

    private static HashSet<string> HttpKeys((string Name, string Version, string Protocol)[] rules) =>
        rules.Where(r => r.Protocol == "http").Select(r => $"{r.Version}/{r.Name}").ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> GrpcKeys((string Name, string Version, string Protocol)[] rules) =>
        rules.Where(r => r.Protocol == "grpc")
            .SelectMany(r => GrpcMethods.TryGetValue($"{r.Name}.{r.Version}", out var methods) ? methods : [])
            .Select(method => RuntimePrefix + method)
            .ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// daprd registers only the allowed HTTP routes: a route left out answers as an unknown one would (the invocation
/// fallback while <c>invoke</c> is allowed, else 404).
/// </summary>
internal sealed class ApiAccessMiddleware(RequestDelegate next, SidecarContext sidecar)
{
    private readonly ApiAccessRules _rules = ApiAccessRules.From(sidecar.Configuration);

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            return next(context); // gRPC: the interceptor answers with gRPC statuses.
        }
        var path = context.Request.Path.Value ?? "";
        var allowed = _rules.IsHttpRouteAllowed(path);
        var viaFallback = context.Request.Headers.ContainsKey("dapr-app-id");
        if (allowed == true || (allowed is null && !viaFallback) || (viaFallback && _rules.IsInvocationFallbackAllowed))
        {
            return next(context);
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("404 page not found\n");
    }
}
