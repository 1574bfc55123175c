using System.Text.Json;
using Flipkart.Notification.Apis;

namespace Notification.Tests.Functional;

/// <summary>A minimal Server-Sent Events reader: yields the data of each <c>status</c> event, skipping heartbeats.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private SseStream(HttpResponseMessage response, Stream body)
    {
        this.response = response;
        reader = new StreamReader(body);
    }

    public string? ContentType => response.Content.Headers.ContentType?.MediaType;

    public static async Task<SseStream> OpenAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return new SseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    public async Task<StatusEvent> NextStatusAsync(CancellationToken cancellationToken) =>
        await NextStatusOrEndAsync(cancellationToken) ?? throw new InvalidOperationException("The stream ended.");

    /// <summary>The next status event, or null when the server closed the stream.</summary>
    public async Task<StatusEvent?> NextStatusOrEndAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        string? eventName = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "status")
            {
                return JsonSerializer.Deserialize<StatusEvent>(line["data: ".Length..], Json);
            }
        }
        return null;
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
