using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults.Tests;

/// <summary>
/// A minimal service built the way every real one is (AddServiceDefaults, caller authentication, MapServiceEndpoints),
/// in memory, in Development: the environment whose developer exception page must not win over the shared handler.
/// </summary>
internal sealed class KitApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private KitApp(WebApplication app) => this.app = app;

    public IServiceProvider Services => app.Services;

    public HttpClient CreateClient() => app.GetTestClient();

    public static async Task<KitApp> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Configuration["Serilog:MinimumLevel:Default"] = "Warning";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["APP_ID"] = "kit";
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults();
        builder.Services.AddServiceOpenApi();
        builder.Services.AddCallerAuthentication();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapServiceEndpoints();
        map(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new KitApp(app);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
