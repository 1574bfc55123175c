using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Flipkart.EmbeddedDapr.GrpcApi;

/// <summary>An interceptor that checks each call before it runs (throwing the RpcException daprd would send) and changes nothing else.</summary>
internal abstract class CheckingInterceptor : Interceptor
{
    protected abstract void Check(ServerCallContext context);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }
}

/// <summary>daprd's gRPC API-token check: <c>Unauthenticated</c> with daprd's messages; the token is not forwarded.</summary>
internal sealed class ApiTokenInterceptor(SidecarContext sidecar) : CheckingInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        var expected = sidecar.Options.DaprApiToken;
        if (string.IsNullOrEmpty(expected))
        {
            return;
        }
        var supplied = context.RequestHeaders.Get("dapr-api-token")?.Value;
        if (supplied is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing api token in request metadata"));
        }
        if (!string.Equals(supplied, expected, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authentication error: api token mismatch"));
        }
    }
}

/// <summary>Turns <see cref="DaprApiException"/> into the RpcException daprd would send (rich details included).</summary>
internal sealed class DaprErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (DaprApiException ex)
        {
            throw ex.ToRpcException();
        }
    }
}

/// <summary>
/// daprd's gRPC API allow/deny list (pkg/api/grpc/endpoints.go): a <c>dapr.proto.runtime</c> method left out answers
/// <c>Unimplemented</c> ("Not Implemented"; daprd adds an ErrorInfo detail with HTTP 501). Runs after the token check, as in daprd.
/// </summary>
internal sealed class ApiAccessInterceptor(SidecarContext sidecar) : CheckingInterceptor
{
    private readonly HttpApi.ApiAccessRules _rules = HttpApi.ApiAccessRules.From(sidecar.Configuration);

    protected override void Check(ServerCallContext context)
    {
        if (!_rules.IsGrpcMethodAllowed(context.Method))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "Not Implemented"));
        }
    }
}
