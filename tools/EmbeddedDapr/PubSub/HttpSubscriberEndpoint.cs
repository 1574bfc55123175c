using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>
/// Delivers to an app replica over HTTP exactly as daprd does: POST with <c>Content-Type: application/cloudevents+json</c>,
/// the original bytes, the broker headers, and <c>dapr-api-token</c> when an app token is configured. The answer is
/// classified with daprd's rules (2xx + SUCCESS/RETRY/DROP, case-sensitive; empty or non-JSON 2xx = success;
/// 404 = drop; anything else = retry).
/// </summary>
public sealed class HttpSubscriberEndpoint(HttpClient client, Uri appBaseAddress, string appId, string instanceId, string? appApiToken = null)
    : ISubscriberEndpoint
{
    private static readonly MediaTypeHeaderValue CloudEventsContentType = new(ContentTypes.CloudEventsJson);

    public string AppId { get; } = appId;

    public string InstanceId { get; } = instanceId;

    public Uri AppBaseAddress { get; } = appBaseAddress;

    public async Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(AppBaseAddress, request.Path));
        message.Content = new ReadOnlyMemoryContent(request.Body);
        message.Content.Headers.ContentType = CloudEventsContentType;
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (!string.IsNullOrEmpty(appApiToken))
        {
            message.Headers.TryAddWithoutValidation("dapr-api-token", appApiToken);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (IsUnreachable(ex))
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, null, ex.Message, Unreachable: true);
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, null, ex.Message);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // An in-process app host (TestServer) that was shut down.
            return new DeliveryOutcome(DeliveryStatus.Retry, null, ex.Message, Unreachable: true);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return Classify(response.StatusCode, body);
        }
    }

    /// <summary>daprd's HTTP subscriber response rules.</summary>
    public static DeliveryOutcome Classify(HttpStatusCode statusCode, ReadOnlySpan<byte> body)
    {
        var code = (int)statusCode;
        if (code == 404)
        {
            return new DeliveryOutcome(DeliveryStatus.Drop, 404, "non-retriable error returned from app while processing pub/sub event: 404");
        }

        if (code is < 200 or > 299)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, code, $"retriable error returned from app while processing pub/sub event, status code: {code}");
        }

        if (body.IsEmpty)
        {
            return DeliveryOutcome.Success;
        }

        string? status;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return DeliveryOutcome.Success;
            }

            status = document.RootElement.EnumerateObject()
                .Where(p => string.Equals(p.Name, "status", StringComparison.OrdinalIgnoreCase))
                .Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())
                .LastOrDefault();
        }
        catch (JsonException)
        {
            return DeliveryOutcome.Success; // non-JSON 2xx body counts as success
        }

        return status switch
        {
            null or "" or "SUCCESS" => DeliveryOutcome.Success,
            "DROP" => new DeliveryOutcome(DeliveryStatus.Drop, code, "DROP status returned from app while processing pub/sub event"),
            "RETRY" => new DeliveryOutcome(DeliveryStatus.Retry, null, "RETRY status returned from app while processing pub/sub event"),
            _ => new DeliveryOutcome(DeliveryStatus.Retry, null, $"unknown status returned from app while processing pub/sub event: {status}"),
        };
    }

    private static bool IsUnreachable(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}
