using System.Net.Http.Headers;

namespace Flipkart.EmbeddedDapr.Hosting;

/// <summary>The sidecar's channel to its app; adds <c>dapr-api-token</c> when an app token is configured.</summary>
public sealed class AppChannel : IDisposable
{
    internal AppChannel(HttpMessageHandler handler, bool disposeHandler, Uri baseAddress, string? appApiToken, int? appPort)
    {
        BaseAddress = baseAddress;
        AppPort = appPort;
        Client = new HttpClient(new TokenHandler(appApiToken) { InnerHandler = handler }, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        ownsHandler = disposeHandler;
    }

    private readonly bool ownsHandler;

    public Uri BaseAddress { get; }
    public int? AppPort { get; }

    /// <summary>An HttpClient to the app (relative URIs resolve against the app's base address).</summary>
    public HttpClient Client { get; }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>True once the app answers any HTTP request (daprd waits for the app port the same way).</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await Client.GetAsync("/", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (ownsHandler)
        {
            Client.Dispose();
        }
    }

    internal static AppChannel? Create(SidecarOptions options, Func<HttpMessageHandler>? attached, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        var factory = attached ?? options.AppHandler;
        if (factory is not null)
        {
            // The handler belongs to its host (e.g. a TestServer); the channel must not dispose it.
            var attachedHandler = factory();
            return new AppChannel(wrap?.Invoke(attachedHandler) ?? attachedHandler, disposeHandler: false, new Uri("http://localhost/"), options.AppApiToken, options.AppPort);
        }
        var baseUrl = options.AppBaseUrl ?? (options.AppPort is { } port ? new Uri($"http://127.0.0.1:{port}/") : null);
        if (baseUrl is null)
        {
            return null;
        }
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        return new AppChannel(wrap?.Invoke(handler) ?? handler, disposeHandler: true, baseUrl, options.AppApiToken, options.AppPort ?? baseUrl.Port);
    }

    private sealed class TokenHandler(string? token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!string.IsNullOrEmpty(token))
            {
                request.Headers.Remove("dapr-api-token");
                request.Headers.TryAddWithoutValidation("dapr-api-token", token);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}

internal static class HeaderExtensions
{
    public static void Set(this HttpHeaders headers, string name, string value)
    {
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}
