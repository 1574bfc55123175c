using Microsoft.Extensions.Configuration;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Where this app's sidecar is, from daprd's environment contract as the Dapr SDK reads it: configuration first (so a
/// test host or DevHost can set it late), then the environment. The one place every client of the sidecar's HTTP
/// API (invocation clients, actors, the reminder registration, the gateway's proxy) takes it from.
/// </summary>
public static class DaprSidecar
{
    /// <summary>
    /// <c>DAPR_HTTP_ENDPOINT</c>, else <c>http://127.0.0.1:{DAPR_HTTP_PORT}</c> (default 3500), without a trailing
    /// slash: the actor SDK appends <c>/v1.0/…</c> and a doubled slash would make every actor call a 404.
    /// </summary>
    public static string HttpEndpoint(IConfiguration configuration) =>
        Read(configuration, "DAPR_HTTP_ENDPOINT") is { Length: > 0 } endpoint
            ? endpoint.TrimEnd('/')
            : $"http://127.0.0.1:{(int.TryParse(Read(configuration, "DAPR_HTTP_PORT"), out var port) ? port : 3500)}";

    /// <summary>The token this app presents to its sidecar (<c>DAPR_API_TOKEN</c>), or null when none is set.</summary>
    public static string? ApiToken(IConfiguration configuration) =>
        Read(configuration, "DAPR_API_TOKEN") is { Length: > 0 } token ? token : null;

    /// <summary>The header the sidecar expects <see cref="ApiToken"/> in.</summary>
    public const string ApiTokenHeader = "dapr-api-token";

    private static string? Read(IConfiguration configuration, string name) =>
        configuration[name] is { Length: > 0 } value ? value : Environment.GetEnvironmentVariable(name);
}
