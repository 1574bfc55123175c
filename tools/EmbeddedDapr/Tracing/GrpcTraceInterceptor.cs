using System.Diagnostics;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>
/// daprd's <c>GRPCTraceUnaryServerInterceptor</c> for the <c>dapr.proto.runtime.v1.Dapr</c> API: a Client span named after
/// the full method under the caller's <c>grpc-trace-bin</c> (else <c>traceparent</c>), the request's attributes as its
/// <c>AppendSpanAttributes</c> adds them (<c>pkg/proto/runtime/v1/dapr_tracing.go</c>), <c>InvokeService</c> renamed
/// <c>CallLocal/&lt;app&gt;/&lt;method&gt;</c>, and Error status with the gRPC message on failure.
/// </summary>
internal sealed class GrpcTraceInterceptor(SidecarTracer tracer) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var span = tracer.Start(context.Method, ActivityKind.Client, Parent(context.RequestHeaders));
        if (span is null)
        {
            return await continuation(request, context);
        }
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex)
        {
            span.SetStatus(ActivityStatusCode.Error, ex is RpcException rpc ? rpc.Status.Detail : ex.Message);
            throw;
        }
        finally
        {
            if (span.IsAllDataRequested)
            {
                Describe(span, request!, context);
            }
        }
    }

    private static ActivityContext Parent(Metadata headers)
    {
        if (headers.Get("grpc-trace-bin") is { IsBinary: true } binary)
        {
            return TraceContext.FromBinary(binary.ValueBytes);
        }
        return TraceContext.FromW3C(headers.GetValue("traceparent"), headers.GetValue("tracestate"));
    }

    private static void Describe(Activity span, object request, ServerCallContext context)
    {
        foreach (var header in context.RequestHeaders)
        {
            // daprd's userDefinedMetadata: dapr- prefixed, non-binary metadata.
            if (!header.IsBinary && header.Key.StartsWith("dapr-", StringComparison.Ordinal) && header.Key != "dapr-api-token")
            {
                SpanAttributes.Set(span, header.Key, header.Value);
            }
        }

        var method = context.Method;
        switch (request)
        {
            case InvokeServiceRequest invoke:
                SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.ServiceInvocation);
                SpanAttributes.Set(span, SpanAttributes.NetPeerName, invoke.Id);
                span.DisplayName = $"CallLocal/{invoke.Id}/{invoke.Message?.Method}";
                break;
            case PublishEventRequest publish:
                SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.DaprService);
                SpanAttributes.SetPubsub(span, publish.Topic);
                break;
            case BulkPublishRequest bulk:
                SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.DaprService);
                SpanAttributes.SetPubsub(span, bulk.Topic);
                break;
            case GetStateRequest get:
                Store(span, "state", get.StoreName, method);
                break;
            case SaveStateRequest save:
                Store(span, "state", save.StoreName, method);
                break;
            case DeleteStateRequest delete:
                Store(span, "state", delete.StoreName, method);
                break;
            case GetSecretRequest secret:
                Store(span, "secrets", secret.StoreName, method);
                break;
            case InvokeBindingRequest binding:
                Store(span, "bindings", binding.Name, method);
                break;
            // daprd's other requests (transactions, bulk get, actors, ...) add no attributes of their own ("TODO" there).
        }

        SpanAttributes.Set(span, SpanAttributes.DaprProtocol, "grpc");
        SpanAttributes.Set(span, SpanAttributes.DaprApi, method);
    }

    private static void Store(Activity span, string buildingBlock, string store, string method)
    {
        SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.DaprService);
        SpanAttributes.SetStore(span, buildingBlock, store, method);
    }
}
