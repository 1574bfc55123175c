using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.GrpcApi;

/// <summary>
/// Binds every RPC of <c>dapr.proto.runtime.v1.Dapr</c> (from the proto descriptor shipped in Dapr.Protos) to a
/// same-named handler on <see cref="DaprGrpcService"/>, found by reflection; RPCs without a handler answer
/// <c>Unimplemented</c> naming the method. Handler shapes (as Grpc.AspNetCore's delegates):
/// unary <c>Task&lt;TRes&gt; Name(TReq, ServerCallContext)</c>;
/// server streaming <c>Task Name(TReq, IServerStreamWriter&lt;TRes&gt;, ServerCallContext)</c>;
/// client streaming <c>Task&lt;TRes&gt; Name(IAsyncStreamReader&lt;TReq&gt;, ServerCallContext)</c>;
/// duplex <c>Task Name(IAsyncStreamReader&lt;TReq&gt;, IServerStreamWriter&lt;TRes&gt;, ServerCallContext)</c>.
/// </summary>
internal sealed class DaprServiceMethodProvider : IServiceMethodProvider<DaprGrpcService>
{
    public static ServiceDescriptor Service => global::Dapr.Client.Autogen.Grpc.v1.Dapr.Descriptor;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcService> context)
    {
        var bind = typeof(DaprServiceMethodProvider).GetMethod(nameof(Bind), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var method in Service.Methods)
        {
            try
            {
                bind.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(null, [context, method]);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            }
        }
    }

    /// <summary>The RPC names that have a handler (for reflection-style listings and tests).</summary>
    public static IReadOnlyList<string> ImplementedMethods() =>
        Service.Methods.Where(m => FindHandler(m) is not null).Select(m => m.Name).ToArray();

    private static MethodInfo? FindHandler(MethodDescriptor method) =>
        typeof(DaprGrpcService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);

    private static void Bind<TRequest, TResponse>(ServiceMethodProviderContext<DaprGrpcService> context, MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var method = new Method<TRequest, TResponse>(
            type,
            descriptor.Service.FullName,
            descriptor.Name,
            Marshallers.Create(m => m.ToByteArray(), bytes => new MessageParser<TRequest>(() => new TRequest()).ParseFrom(bytes)),
            Marshallers.Create(m => m.ToByteArray(), bytes => new MessageParser<TResponse>(() => new TResponse()).ParseFrom(bytes)));
        var handler = FindHandler(descriptor);
        try
        {
            BindHandler(context, type, method, handler, descriptor);
        }
        catch (ArgumentException ex)
        {
            // A module's handler with the wrong shape should fail start-up with a message that says which one.
            throw new InvalidOperationException(
                $"DaprGrpcService.{descriptor.Name} must have the Grpc.AspNetCore {type} signature for {typeof(TRequest).Name} -> {typeof(TResponse).Name}", ex);
        }
    }

    private static void BindHandler<TRequest, TResponse>(ServiceMethodProviderContext<DaprGrpcService> context, MethodType type,
        Method<TRequest, TResponse> method, MethodInfo? handler, MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var unimplemented = new RpcException(new Status(StatusCode.Unimplemented,
            $"method {descriptor.Name} is not implemented by the embedded Dapr sidecar"));
        switch (type)
        {
            case MethodType.Unary:
                context.AddUnaryMethod(method, [], handler is null
                    ? (_, _, _) => throw unimplemented
                    : handler.CreateDelegate<UnaryServerMethod<DaprGrpcService, TRequest, TResponse>>());
                break;
            case MethodType.ServerStreaming:
                context.AddServerStreamingMethod(method, [], handler is null
                    ? (_, _, _, _) => throw unimplemented
                    : handler.CreateDelegate<ServerStreamingServerMethod<DaprGrpcService, TRequest, TResponse>>());
                break;
            case MethodType.ClientStreaming:
                context.AddClientStreamingMethod(method, [], handler is null
                    ? (_, _, _) => throw unimplemented
                    : handler.CreateDelegate<ClientStreamingServerMethod<DaprGrpcService, TRequest, TResponse>>());
                break;
            default:
                context.AddDuplexStreamingMethod(method, [], handler is null
                    ? (_, _, _, _) => throw unimplemented
                    : handler.CreateDelegate<DuplexStreamingServerMethod<DaprGrpcService, TRequest, TResponse>>());
                break;
        }
    }
}
