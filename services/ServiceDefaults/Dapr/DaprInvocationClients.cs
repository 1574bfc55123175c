using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// HttpClients whose requests go through the sidecar's service invocation to another app:
/// <c>http://&lt;app-id&gt;/path</c> is rewritten to <c>{sidecar}/v1.0/invoke/&lt;app-id&gt;/method/path</c>.
/// The sidecar address and API token come from configuration (DAPR_HTTP_ENDPOINT / DAPR_HTTP_PORT /
/// DAPR_API_TOKEN), read when the client is created so test hosts can add them late, as for DaprClient.
/// </summary>
public static class DaprInvocationClients
{
    /// <summary>A typed client <typeparamref name="TClient"/> calling <paramref name="appId"/>.</summary>
    public static IHttpClientBuilder AddDaprInvocationClient<TClient>(this IServiceCollection services, string appId) where TClient : class =>
        services.AddHttpClient<TClient>((provider, http) => Configure(http, appId))
            .AddHttpMessageHandler(CreateInvocationHandler)
            .AddHttpMessageHandler(CreateApiTokenHandler);

    /// <summary>A named client (name = <paramref name="appId"/>) for <see cref="IHttpClientFactory.CreateClient(string)"/>.</summary>
    public static IHttpClientBuilder AddDaprInvocationClient(this IServiceCollection services, string appId) =>
        services.AddHttpClient(appId, (provider, http) => Configure(http, appId))
            .AddHttpMessageHandler(CreateInvocationHandler)
            .AddHttpMessageHandler(CreateApiTokenHandler);

    private static void Configure(HttpClient http, string appId) => http.BaseAddress = new Uri($"http://{appId}/");

    private static InvocationHandler CreateInvocationHandler(IServiceProvider provider) => new()
    {
        DaprEndpoint = DaprSidecar.HttpEndpoint(provider.GetRequiredService<IConfiguration>()),
    };

    private static ApiTokenHandler CreateApiTokenHandler(IServiceProvider provider) =>
        new(DaprSidecar.ApiToken(provider.GetRequiredService<IConfiguration>()));

    /// <summary>
    /// Exactly one <c>dapr-api-token</c>, from configuration. The SDK's InvocationHandler adds the token it finds in the
    /// process environment too; two values travel as one header "t, t", which daprd refuses with 401 (so every call
    /// between services failed wherever DAPR_API_TOKEN is set, as on Kubernetes).
    /// </summary>
    private sealed class ApiTokenHandler(string? token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove(DaprSidecar.ApiTokenHeader);
            if (!string.IsNullOrEmpty(token))
            {
                request.Headers.TryAddWithoutValidation(DaprSidecar.ApiTokenHeader, token);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
