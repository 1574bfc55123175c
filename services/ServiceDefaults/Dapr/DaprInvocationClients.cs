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
        services.AddHttpClient<TClient>((provider, http) => Configure(provider, http, appId))
            .AddHttpMessageHandler(CreateInvocationHandler);

    /// <summary>A named client (name = <paramref name="appId"/>) for <see cref="IHttpClientFactory.CreateClient(string)"/>.</summary>
    public static IHttpClientBuilder AddDaprInvocationClient(this IServiceCollection services, string appId) =>
        services.AddHttpClient(appId, (provider, http) => Configure(provider, http, appId))
            .AddHttpMessageHandler(CreateInvocationHandler);

    private static void Configure(IServiceProvider provider, HttpClient http, string appId)
    {
        http.BaseAddress = new Uri($"http://{appId}/");
        if (DaprSidecar.ApiToken(provider.GetRequiredService<IConfiguration>()) is { } token)
        {
            http.DefaultRequestHeaders.Add(DaprSidecar.ApiTokenHeader, token);
        }
    }

    private static InvocationHandler CreateInvocationHandler(IServiceProvider provider) => new()
    {
        DaprEndpoint = DaprSidecar.HttpEndpoint(provider.GetRequiredService<IConfiguration>()),
    };
}
