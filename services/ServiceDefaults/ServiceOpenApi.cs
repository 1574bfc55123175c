using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

public static class ServiceOpenApi
{
    /// <summary>
    /// The service's OpenAPI document (served by <c>MapOpenApi</c>), which the gateway republishes. It lists no servers:
    /// clients reach the service only through the gateway, and without servers API explorers call the page's own origin.
    /// </summary>
    public static IServiceCollection AddServiceOpenApi(this IServiceCollection services, string documentName = "v1") =>
        services.AddOpenApi(documentName, options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));
}
