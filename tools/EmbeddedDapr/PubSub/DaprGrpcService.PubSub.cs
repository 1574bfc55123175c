using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.PubSub;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.GrpcApi;

/// <summary>Pub/sub RPCs. <c>BulkPublishEvent</c> and <c>BulkPublishEventAlpha1</c> share one handler, as in daprd.</summary>
public sealed partial class DaprGrpcService
{
    private PubSubPublisher Publisher => Services.GetRequiredService<PubSubPublisher>();

    public async Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        await Publisher.PublishAsync(
            Sidecar.AppId, request.PubsubName, request.Topic, request.Data.Memory, request.DataContentType, request.Metadata,
            context.RequestHeaders.GetValue("traceparent"), context.RequestHeaders.GetValue("tracestate"), context.CancellationToken);
        return new Empty();
    }

    public Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context) => BulkPublishAsync(request, context);

    public Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) => BulkPublishAsync(request, context);

    private async Task<BulkPublishResponse> BulkPublishAsync(BulkPublishRequest request, ServerCallContext context)
    {
        var entries = request.Entries
            .Select(e => new BulkPublishEntry(e.EntryId, e.Event.Memory, e.ContentType, e.Metadata))
            .ToList();
        var failed = await Publisher.BulkPublishAsync(
            Sidecar.AppId, request.PubsubName, request.Topic, entries, request.Metadata,
            context.RequestHeaders.GetValue("traceparent"), context.RequestHeaders.GetValue("tracestate"), context.CancellationToken);
        var response = new BulkPublishResponse();
        response.FailedEntries.Add(failed.Select(f => new BulkPublishResponseFailedEntry { EntryId = f.EntryId, Error = f.Error }));
        return response;
    }
}
