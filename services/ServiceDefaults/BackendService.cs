using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flipkart.ServiceDefaults;

public static class BackendService
{
    /// <summary>
    /// What every service behind the gateway adds to the defaults: its <typeparamref name="TOptions"/> bound from the
    /// section of the same name and validated at start, the system clock (tests substitute theirs), its OpenAPI
    /// document, the gateway's caller as the request's principal, and the app port daprd expects.
    /// </summary>
    public static IHostApplicationBuilder AddBackendService<TOptions>(this IHostApplicationBuilder builder) where TOptions : class
    {
        builder.Services.AddOptions<TOptions>().BindConfiguration(typeof(TOptions).Name).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddServiceOpenApi();
        builder.Services.AddCallerAuthentication();
        builder.ListenOnAppPort();
        return builder;
    }
}
