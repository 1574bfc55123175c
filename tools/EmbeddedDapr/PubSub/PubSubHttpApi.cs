using System.Text.Json;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>daprd's HTTP publish API: <c>POST /v1.0/publish/{pubsub}/{topic}</c> (204) and the alpha bulk form.</summary>
internal static class PubSubHttpApi
{
    private const string MetadataPrefix = "metadata.";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1.0/publish/{pubsub}/{**topic}", PublishAsync);
        endpoints.MapPost("/v1.0-alpha1/publish/bulk/{pubsub}/{**topic}", BulkPublishAsync);

        // Emulator-only routes (daprd has no equivalent): counters and fault injection for the local run.
        endpoints.MapGet("/embedded/pubsub/counters", (PubSubPublisher publisher) => Results.Json(publisher.Broker.Counters.Snapshot()));
        endpoints.MapGet("/embedded/pubsub/faults", (PubSubPublisher publisher) => Results.Json(publisher.Broker.Faults.Current));
        endpoints.MapPut("/embedded/pubsub/faults", async (HttpContext context, PubSubPublisher publisher) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            try
            {
                publisher.Broker.Faults.Set(Faults.PubSubFaults.Parse(text, publisher.Broker.Time));
                return Results.NoContent();
            }
            catch (FormatException ex)
            {
                return Results.Text(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        });
    }

    private static async Task PublishAsync(HttpContext context, string pubsub, string? topic, SidecarContext sidecar, PubSubPublisher publisher)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            await publisher.PublishAsync(
                sidecar.AppId, pubsub, topic ?? "", buffer.ToArray(), context.Request.ContentType, QueryMetadata(context),
                context.Request.Headers["traceparent"].ToString(), context.Request.Headers["tracestate"].ToString(), context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        catch (DaprApiException ex)
        {
            await ex.WriteHttpAsync(context);
        }
    }

    private static async Task BulkPublishAsync(HttpContext context, string pubsub, string? topic, SidecarContext sidecar, PubSubPublisher publisher)
    {
        try
        {
            List<BulkPublishEntry> entries;
            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                entries = document.RootElement.EnumerateArray().Select(ParseEntry).ToList();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                throw PubSubErrors.Create(StatusCode.InvalidArgument, 400, "ERR_PUBSUB_EVENTS_SER", "DAPR_PUBSUB_MARSHAL_EVENTS",
                    $"error when unmarshaling the request for topic {topic} pubsub {pubsub}: {ex.Message}", pubsub);
            }

            var failed = await publisher.BulkPublishAsync(
                sidecar.AppId, pubsub, topic ?? "", entries, QueryMetadata(context),
                context.Request.Headers["traceparent"].ToString(), context.Request.Headers["tracestate"].ToString(), context.RequestAborted);
            if (failed.Count == 0)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new
            {
                failedEntries = failed.Select(f => new { entryId = f.EntryId, error = f.Error }),
                errorCode = "ERR_PUBSUB_PUBLISH_MESSAGE",
            }, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ex.WriteHttpAsync(context);
        }
    }

    private static BulkPublishEntry ParseEntry(JsonElement entry)
    {
        var contentType = entry.TryGetProperty("contentType", out var ct) ? ct.GetString() ?? "" : "";
        var eventElement = entry.GetProperty("event");
        byte[] bytes = eventElement.ValueKind == JsonValueKind.String && !ContentTypes.IsJson(contentType) && !ContentTypes.IsCloudEvent(contentType)
            ? System.Text.Encoding.UTF8.GetBytes(eventElement.GetString()!)
            : System.Text.Encoding.UTF8.GetBytes(eventElement.GetRawText());
        var metadata = entry.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
            ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString())
            : [];
        return new BulkPublishEntry(entry.TryGetProperty("entryId", out var id) ? id.GetString() ?? "" : "", bytes, contentType, metadata);
    }

    /// <summary>daprd reads publish metadata from <c>?metadata.key=value</c> query parameters.</summary>
    private static Dictionary<string, string> QueryMetadata(HttpContext context)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Request.Query)
        {
            if (key.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[key[MetadataPrefix.Length..]] = value.ToString();
            }
        }

        return metadata;
    }
}
