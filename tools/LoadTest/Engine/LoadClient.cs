using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Engine;

/// <summary>One answer as the load generator saw it.</summary>
public readonly record struct Reply(int Status, byte[] Body, TimeSpan? RetryAfter, TimeSpan Latency)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// The HTTP client every scenario (and the baseline) is driven with: one pooled <see cref="SocketsHttpHandler"/>
/// sized to the concurrency, no cookies, no redirects, no decompression, bodies read in full. Each request is timed
/// and recorded under an operation name with its status code.
/// </summary>
public sealed class LoadClient : IDisposable
{
    private readonly HttpClient _http;

    public LoadClient(Uri baseAddress, int maxConnections, TimeSpan? timeout = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // A response the tool stops reading (an order's event stream once the order settles; the server keeps it
            // open for the parcel's statuses) closes its connection, as a browser closing its EventSource does. By
            // default the handler drains it for up to 2 s first, holding one of the pool's connections: a flash sale's
            // first wave closed 100 streams at once, and the next buyers' requests waited up to 2 s for a connection.
            MaxResponseDrainSize = 0,
        })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Sends and records the request. <paramref name="scheduledAt"/> (a <see cref="Stopwatch"/> timestamp) is when
    /// an open-loop schedule wanted it sent: latency then counts the time it waited, so a stalled system is not
    /// flattered (coordinated omission). <paramref name="acceptable"/> marks non-2xx statuses that are not errors here.
    /// </summary>
    public async Task<Reply> SendAsync(
        LoadStats? stats, string operation, HttpRequestMessage request, CancellationToken cancellationToken,
        Func<int, bool>? acceptable = null, long? scheduledAt = null)
    {
        var started = scheduledAt ?? Stopwatch.GetTimestamp();
        int status;
        byte[] body = [];
        TimeSpan? retryAfter = null;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => null,
            };
        }
        catch (HttpRequestException)
        {
            status = LoadStats.NoResponse;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            status = LoadStats.NoResponse; // the client's own timeout
        }
        finally
        {
            request.Dispose();
        }

        var latency = Stopwatch.GetElapsedTime(started);
        var isError = status == LoadStats.NoResponse || (status >= 400 && acceptable?.Invoke(status) != true);
        stats?.Record(operation, status, latency, isError);
        return new Reply(status, body, retryAfter, latency);
    }

    public Task<Reply> GetAsync(LoadStats? stats, string operation, string path, CancellationToken cancellationToken, string? bearer = null, long? scheduledAt = null, Func<int, bool>? acceptable = null)
    {
        return SendAsync(stats, operation, NewRequest(HttpMethod.Get, path, bearer), cancellationToken, acceptable, scheduledAt);
    }

    /// <summary>
    /// Opens a server-sent event stream (GET with <c>Accept: text/event-stream</c>) and records the time to its headers
    /// under <paramref name="operation"/>; the open response, or null (recorded as the error it was) when none came.
    /// </summary>
    public async Task<HttpResponseMessage?> OpenStreamAsync(LoadStats? stats, string operation, string path, string? bearer, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, path, bearer);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage? response = null;
        int status;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = LoadStats.NoResponse;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            status = LoadStats.NoResponse;
        }
        var ok = response?.IsSuccessStatusCode == true;
        stats?.Record(operation, status, Stopwatch.GetElapsedTime(started), !ok);
        if (!ok)
        {
            response?.Dispose();
            return null;
        }
        return response;
    }

    public Task<Reply> SendJsonAsync(LoadStats? stats, string operation, HttpMethod method, string path, object? body, CancellationToken cancellationToken,
        string? bearer = null, IReadOnlyDictionary<string, string>? headers = null, Func<int, bool>? acceptable = null, long? scheduledAt = null)
    {
        var request = NewRequest(method, path, bearer);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, JsonDefaults.Options))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            };
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return SendAsync(stats, operation, request, cancellationToken, acceptable, scheduledAt);
    }

    private static HttpRequestMessage NewRequest(HttpMethod method, string path, string? bearer)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return request;
    }

    public void Dispose() => _http.Dispose();
}

public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
