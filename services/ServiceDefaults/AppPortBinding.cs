using Microsoft.Extensions.Hosting;

namespace Flipkart.ServiceDefaults;

public static class AppPortBinding
{
    /// <summary>
    /// Listen where the sidecar expects us: daprd's contract passes <c>APP_PORT</c>. An explicit
    /// <c>ASPNETCORE_URLS</c>/<c>urls</c> wins; otherwise bind loopback only, as the app is reached via its sidecar.
    /// </summary>
    public static IHostApplicationBuilder ListenOnAppPort(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && int.TryParse(builder.Configuration["APP_PORT"], out var port) && port is > 0 and <= 65535)
        {
            builder.Configuration["urls"] = $"http://127.0.0.1:{port}";
        }
        return builder;
    }
}
