using System.Text.Json;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Hosting and calling actors, wired the same way in every service: JSON on both sides of actor calls (readable,
/// language neutral; camelCase, enums as strings), and the sidecar address and API token read from configuration
/// when the container resolves them, because hosts such as WebApplicationFactory add configuration after
/// registration runs. Map the callbacks with <c>app.MapActorsHandlers()</c>.
/// </summary>
public static class DaprActors
{
    public static IServiceCollection AddDaprActors(this IServiceCollection services, Action<ActorRegistrationCollection> register)
    {
        var json = Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false);

        // Registered before AddActors, whose TryAdd keeps it.
        services.AddSingleton<IActorProxyFactory>(provider =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            return new ActorProxyFactory(new ActorProxyOptions
            {
                HttpEndpoint = DaprSidecar.HttpEndpoint(configuration),
                DaprApiToken = DaprSidecar.ApiToken(configuration) ?? "",
                UseJsonSerialization = true,
                JsonSerializerOptions = json,
            });
        });
        services.AddActors(options =>
        {
            register(options.Actors);
            options.UseJsonSerialization = true;
            options.JsonSerializerOptions = json;
        });
        services.AddOptions<ActorRuntimeOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            options.HttpEndpoint = DaprSidecar.HttpEndpoint(configuration);
            options.DaprApiToken = DaprSidecar.ApiToken(configuration) ?? "";
        });
        return services;
    }
}
