using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Flipkart.Testing;

/// <summary>The one answer every service owes its callers when its infrastructure is gone, and a sidecar address that is gone.</summary>
public static class Outage
{
    /// <summary>
    /// A 503 ProblemDetails that says when to come back (Retry-After in seconds) and shows no internals: never a 500,
    /// never a bare proxy error, never an acknowledged delivery.
    /// </summary>
    public static async Task AssertAnswered503Async(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable,
            $"{(int)response.StatusCode} for {response.RequestMessage?.RequestUri}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to come back (Retry-After)");
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(503, (int)problem["status"]!);
        Assert.NotNull(problem["title"]);
        // No exception text or stack reaches the client.
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nobody listens on, so a sidecar pointed there is refused at once.</summary>
    public static int ClosedLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
