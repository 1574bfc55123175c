using Dapr.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

public static class ServiceEndpoints
{
    /// <summary>
    /// What every backend service maps besides its own APIs: the health probes, its OpenAPI document, and Dapr's app
    /// callbacks — CloudEvents unwrapped before subscription endpoints read them, <c>/dapr/subscribe</c> listing the
    /// <see cref="IntegrationEventSubscriptions.MapSubscription{TEvent, THandler}"/> routes, and the actor callbacks
    /// when the service hosts actors (<see cref="DaprActors.AddDaprActors"/>).
    /// </summary>
    public static WebApplication MapServiceEndpoints(this WebApplication app)
    {
        // Again inside the application's pipeline: in Development the framework puts its developer exception page
        // in front of everything the app adds, and it must not turn a 404/409/503 into a 500 page.
        app.UseExceptionHandler();
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        if (app.Services.GetService<ActorRuntime>() is not null)
        {
            app.MapActorsHandlers();
        }
        app.MapDefaultEndpoints();
        app.MapOpenApi();
        return app;
    }
}
