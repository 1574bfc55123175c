using System.Net;
using System.Text.Json;

namespace Flipkart.SystemTests.Infrastructure;

/// <summary>Requests through the gateway, as a well-behaved client makes them.</summary>
public static class GatewayClient
{
    /// <summary>
    /// Sends the request; a 429 (these tests share one client IP and a deliberately small per-IP limit) is
    /// retried after its Retry-After, as a polite client would. So is a 409 or 503 that carries Retry-After:
    /// ordering's "request with this Idempotency-Key still in progress" (on a loaded machine the gateway's
    /// sidecar may retry a slow first attempt) and a briefly unavailable service. The 429 test itself uses the
    /// raw client.
    /// </summary>
    public static async Task<HttpResponseMessage> SendPolitelyAsync(this HttpClient client, Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.SendAsync(request(), cancellationToken);
            var retryable = response.StatusCode == HttpStatusCode.TooManyRequests
                || (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null);
            if (!retryable || attempt == 10)
            {
                return response;
            }
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }

    public static Task<HttpResponseMessage> GetPolitelyAsync(this HttpClient client, string path, CancellationToken cancellationToken) =>
        client.SendPolitelyAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"Expected JSON from {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}), got: {body}{Environment.NewLine}{e.Message}");
        }
    }

    /// <summary>Asserts the status, showing the body when it differs (the ProblemDetails says why).</summary>
    public static async Task ShouldBeAsync(this HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        }
    }
}
