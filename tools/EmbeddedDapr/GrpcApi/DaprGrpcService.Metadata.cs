using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.HttpApi;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.GrpcApi;

public sealed partial class DaprGrpcService
{
    public Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(MetadataBuilder.Build(Sidecar, Services));

    public Task<Empty> SetMetadata(SetMetadataRequest request, ServerCallContext context)
    {
        Sidecar.ExtendedMetadata[request.Key] = request.Value;
        return Task.FromResult(new Empty());
    }

    public Task<Empty> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        // Answer first, then stop, as daprd does.
        _ = Task.Run(async () =>
        {
            await Task.Delay(50);
            await Sidecar.Sidecar.StopAsync();
        });
        return Task.FromResult(new Empty());
    }
}
