using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Flipkart.Storefront.Gateway;

/// <summary>
/// Reads an order's live status (SSE <c>GET /api/orders/{id}/events</c>) through the gateway, server-side, with the
/// user's token. It has its own HttpClient: the standard resilience handler's timeouts would cut a long-lived stream.
/// </summary>
public sealed class OrderEventStream(IOptions<StorefrontOptions> options) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = options.Value.GatewayUrl,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Yields each status event until the server ends the stream; throws <see cref="HttpRequestException"/> on failure.</summary>
    public async IAsyncEnumerable<StatusEvent> ReadAsync(Guid orderId, string token, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/orders/{orderId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(ApiProblem.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)).Title, null, response.StatusCode);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? eventName = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if ((eventName ?? "message") == "status" && data.Count > 0
                    && JsonSerializer.Deserialize<StatusEvent>(string.Join('\n', data), GatewayApi.Json) is { } status)
                {
                    yield return status;
                }
                eventName = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line[5..].TrimStart());
            }
            // Comments (": heartbeat") and ids need no handling: statuses only move forward.
        }
    }

    public void Dispose() => _http.Dispose();
}
