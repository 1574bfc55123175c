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
        probePort = disposeHandler ? baseAddress.Port : null;
    }

    private readonly bool ownsHandler;

    /// <summary>The port to dial for readiness (an app on a port), null for an attached handler.</summary>
    private readonly int? probePort;

    public Uri BaseAddress { get; }
    public int? AppPort { get; }

    /// <summary>An HttpClient to the app (relative URIs resolve against the app's base address).</summary>
    public HttpClient Client { get; }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>
    /// True once the app is reachable: for an app on a port, once the port accepts a connection (daprd's
    /// <c>blockUntilAppIsReady</c> dials the port and sends no request); for an attached in-process app, once it
    /// answers any HTTP request.
    /// </summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        if (probePort is { } port)
        {
            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(BaseAddress.Host, port, timeout.Token);
                return true;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
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
