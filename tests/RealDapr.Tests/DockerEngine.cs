using System.Net.Sockets;

namespace Flipkart.RealDaprTests;

/// <summary>Whether a Docker engine answers here; the reason it doesn't is what every test reports when it skips.</summary>
internal static class DockerEngine
{
    private static readonly Lazy<Task<string?>> Unavailable = new(ProbeAsync);

    /// <summary>Null when the engine answers <c>GET /_ping</c>; otherwise why these tests cannot run on this machine.</summary>
    public static Task<string?> WhyUnavailableAsync() => Unavailable.Value;

    private static async Task<string?> ProbeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            // The containers share the host's network so the shipped profiles (localhost:6379, :3306, ...) work unchanged.
            return "Real-Dapr tests use Docker host networking, which only Linux offers.";
        }

        var endpoint = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";
        try
        {
            using var client = CreateClient(new Uri(endpoint));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await client.GetAsync("/_ping", timeout.Token);
            return response.IsSuccessStatusCode ? null : $"The Docker engine at {endpoint} answered {(int)response.StatusCode} to a ping.";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or IOException)
        {
            return $"No Docker engine reachable at {endpoint} ({e.GetType().Name}: {e.Message}). These tests need Docker to run daprd and the backing stores.";
        }
    }

    private static HttpClient CreateClient(Uri endpoint)
    {
        if (endpoint.Scheme != "unix")
        {
            return new HttpClient { BaseAddress = new UriBuilder("http", endpoint.Host, endpoint.Port).Uri };
        }
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.AbsolutePath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://docker") };
    }
}
