using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.State;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using DaprProto = global::Dapr.Client.Autogen.Grpc.v1;

namespace Flipkart.EmbeddedDapr.GrpcApi;

public sealed partial class DaprGrpcService
{
    public async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var result = await StateApi.GetAsync(request.StoreName, request.Key, context.CancellationToken);
        var response = new GetStateResponse();
        if (result.Found)
        {
            response.Data = ByteString.CopyFrom(result.Data);
            response.Etag = result.ETag;
            AddTtl(response.Metadata, result);
        }
        return response;
    }

    public async Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        var response = new GetBulkStateResponse();
        if (request.Keys.Count == 0)
        {
            return response;
        }
        foreach (var item in await StateApi.GetBulkAsync(request.StoreName, request.Keys, context.CancellationToken))
        {
            var bulk = new BulkStateItem { Key = item.Key, Error = item.Error };
            if (item.Result is { Found: true } found)
            {
                bulk.Data = ByteString.CopyFrom(found.Data);
                bulk.Etag = found.ETag;
                AddTtl(bulk.Metadata, found);
            }
            response.Items.Add(bulk);
        }
        return response;
    }

    public async Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        await StateApi.SaveAsync(request.StoreName, request.States.Select(ToItem).ToArray(), context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        var item = new StateRequestItem(request.Key, null, request.Etag?.Value, Concurrency(request.Options), request.Metadata);
        await StateApi.DeleteAsync(request.StoreName, item, context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> DeleteBulkState(DeleteBulkStateRequest request, ServerCallContext context)
    {
        await StateApi.DeleteBulkAsync(request.StoreName, request.States.Select(ToItem).ToArray(), context.CancellationToken);
        return new Empty();
    }

    public async Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        var operations = request.Operations.Select(o => (o.OperationType, ToItem(o.Request ?? new StateItem()))).ToArray();
        await StateApi.TransactAsync(request.StoreName, operations, request.Metadata, context.CancellationToken);
        return new Empty();
    }

    private static StateRequestItem ToItem(StateItem item) =>
        new(item.Key, item.Value.ToByteArray(), item.Etag?.Value, Concurrency(item.Options), item.Metadata);

    private static string Concurrency(StateOptions? options) => options?.Concurrency switch
    {
        DaprProto.StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite => StateConcurrency.FirstWrite,
        DaprProto.StateOptions.Types.StateConcurrency.ConcurrencyLastWrite => StateConcurrency.LastWrite,
        _ => StateConcurrency.Unspecified,
    };

    private static void AddTtl(Google.Protobuf.Collections.MapField<string, string> metadata, StateReadResult result)
    {
        if (result.ExpiresAt is { } at)
        {
            metadata["ttlExpireTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
