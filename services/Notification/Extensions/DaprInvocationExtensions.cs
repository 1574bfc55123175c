using Dapr;
using Dapr.Client;

namespace Flipkart.Notification.Extensions;

public static class DaprInvocationExtensions
{
    /// <summary>
    /// A typed HttpClient whose requests go through the sidecar's service invocation to <paramref name="appId"/>.
    /// The sidecar address comes from configuration (DAPR_HTTP_ENDPOINT / DAPR_HTTP_PORT), as for DaprClient.
    /// </summary>
    public static IHttpClientBuilder AddDaprInvocationClient<TClient>(this IServiceCollection services, string appId) where TClient : class =>
        services.AddHttpClient<TClient>((provider, http) =>
            {
                http.BaseAddress = new Uri($"http://{appId}/");
                var token = DaprDefaults.GetDefaultDaprApiToken(provider.GetRequiredService<IConfiguration>());
                if (!string.IsNullOrEmpty(token))
                {
                    http.DefaultRequestHeaders.Add("dapr-api-token", token);
                }
            })
            .AddHttpMessageHandler(provider => new InvocationHandler
            {
                DaprEndpoint = DaprDefaults.GetDefaultHttpEndpoint(provider.GetRequiredService<IConfiguration>()),
            });
}
