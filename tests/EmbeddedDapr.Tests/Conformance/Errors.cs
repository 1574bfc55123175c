using Dapr;
using Google.Rpc;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

internal static class Errors
{
    public static RpcException Rpc(Exception ex) => ex switch
    {
        RpcException rpc => rpc,
        DaprException { InnerException: RpcException inner } => inner,
        _ => throw new Xunit.Sdk.XunitException($"expected an RpcException, got {ex}"),
    };

    /// <summary>The ErrorInfo detail, looked up by daprd's lower-case type URL.</summary>
    public static ErrorInfo? ErrorInfo(RpcException ex) =>
        ex.GetRpcStatus()?.Details
            .FirstOrDefault(d => d.TypeUrl == "type.googleapis.com/google.rpc.ErrorInfo")
            ?.Unpack<ErrorInfo>();

    public static async Task<RpcException> ThrowsRpc(Func<Task> call) => Rpc(await Assert.ThrowsAnyAsync<Exception>(call));
}
