using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.HttpApi;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.GrpcApi;

public sealed partial class DaprGrpcService
{
    /// <summary>
    /// Deprecated <c>InvokeService</c> towards an HTTP app: like daprd it needs <c>http_extension</c> (which the SDK's
    /// <c>InvokeMethodGrpcAsync</c> never sets) and maps a non-2xx app status to a gRPC code, with the original
    /// status in the <c>dapr-http-status</c> header.
    /// </summary>
    public async Task<InvokeResponse> InvokeService(InvokeServiceRequest request, ServerCallContext context)
    {
        var message = request.Message;
        if (message?.HttpExtension is null || message.HttpExtension.Verb == HTTPExtension.Types.Verb.None)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "missing HTTP extension field"));
        }
        var headers = context.RequestHeaders
            .Where(h => !h.IsBinary && !h.Key.StartsWith(':') && !h.Key.StartsWith("grpc-", StringComparison.Ordinal)
                && h.Key is not ("content-type" or "te" or "user-agent"))
            .Select(h => KeyValuePair.Create(h.Key, new[] { h.Value }))
            .ToList();
        if (message.ContentType.Length > 0)
        {
            headers.Add(KeyValuePair.Create("Content-Type", new[] { message.ContentType }));
        }
        var invocation = new InvocationRequest(
            message.HttpExtension.Verb.ToString().ToUpperInvariant(),
            message.Method,
            message.HttpExtension.Querystring,
            message.Data?.Value.ToByteArray(),
            headers);

        var invoker = (ServiceInvoker)Services.GetService(typeof(ServiceInvoker))!;
        using var response = await invoker.SendAsync(request.Id, invocation, context.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken);
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return new InvokeResponse
            {
                Data = new Any { Value = ByteString.CopyFrom(body) },
                ContentType = response.Content.Headers.ContentType?.ToString() ?? "",
            };
        }
        await context.WriteResponseHeadersAsync(new Metadata { { "dapr-http-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        throw new RpcException(new Status(MapStatus(status), System.Text.Encoding.UTF8.GetString(body)));
    }

    private static StatusCode MapStatus(int http) => http switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        408 => StatusCode.Cancelled,
        409 => StatusCode.AlreadyExists,
        429 => StatusCode.ResourceExhausted,
        501 => StatusCode.Unimplemented,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };
}
