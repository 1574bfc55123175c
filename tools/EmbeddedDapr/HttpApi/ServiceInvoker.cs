using System.Diagnostics;
using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Extensibility;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Flipkart.EmbeddedDapr.HttpApi;

/// <summary>
/// HTTP service invocation: resolves the target app-id to a running replica (round-robin), forwards verb, path,
/// query, headers and body to its app channel, and passes the app's status, headers and body back unchanged.
/// </summary>
public sealed class ServiceInvoker(SidecarContext sidecar, IResiliencyPolicies resiliency, IEnumerable<IOutboundCallInterceptor> interceptors)
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Proxy-Authenticate",
        "Proxy-Authorization", "Proxy-Connection", "HTTP2-Settings", "Host",
    };

    private static readonly HashSet<string> Restamped = new(StringComparer.OrdinalIgnoreCase)
    {
        "dapr-app-id", "dapr-api-token", "dapr-caller-app-id", "dapr-caller-namespace", "dapr-callee-app-id",
        "traceparent", "tracestate", "Content-Length",
    };

    private readonly IOutboundCallInterceptor[] interceptors = interceptors.ToArray();

    public async Task InvokeAsync(HttpContext context, string targetAppId, string method)
    {
        var body = await ReadBodyAsync(context);
        HttpResponseMessage response;
        try
        {
            response = await resiliency.ExecuteAppCallAsync(targetAppId,
                ct => SendOnceAsync(context, targetAppId, method, body, ct), context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ex.WriteHttpAsync(context);
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && !context.RequestAborted.IsCancellationRequested)
        {
            await DaprErrors.DirectInvoke(targetAppId, ex.Message).WriteHttpAsync(context);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpContext context, string targetAppId, string method, byte[]? body, CancellationToken cancellationToken)
    {
        var target = string.Equals(targetAppId, sidecar.AppId, StringComparison.Ordinal)
            ? sidecar.Sidecar // self-invocation short-circuits to the local app channel
            : sidecar.Cluster.PickReplica(targetAppId);
        if (target is null || !target.IsRunning)
        {
            throw DaprErrors.DirectInvoke(targetAppId, $"couldn't find service: {targetAppId}");
        }
        if (!AccessControl.IsAllowed(target.Context.Configuration?.AccessControl, sidecar.AppId, method, context.Request.Method))
        {
            throw DaprErrors.Legacy(Grpc.Core.StatusCode.PermissionDenied, 403, "ERR_DIRECT_INVOKE",
                $"failed to invoke, id: {targetAppId}, err: rpc error: code = PermissionDenied desc = access control policy has denied access to appid: {sidecar.AppId} operation: /{method} verb: {context.Request.Method}");
        }
        var channel = target.AppChannel ?? throw DaprErrors.DirectInvoke(targetAppId, "app channel is not initialized");

        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), "/" + method + context.Request.QueryString.Value);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }
        foreach (var header in context.Request.Headers)
        {
            if (HopByHop.Contains(header.Key) || Restamped.Contains(header.Key))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }
        request.Headers.TryAddWithoutValidation("dapr-caller-app-id", sidecar.AppId);
        request.Headers.TryAddWithoutValidation("dapr-callee-app-id", targetAppId);
        request.Headers.TryAddWithoutValidation("traceparent", ChildTraceParent(context.Request.Headers["traceparent"].ToString()));
        if (context.Request.Headers.TryGetValue("tracestate", out var traceState))
        {
            request.Headers.TryAddWithoutValidation("tracestate", traceState.ToString());
        }
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", remote);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", context.Request.Host.Value ?? "");
        request.Headers.TryAddWithoutValidation("Forwarded", $"for={remote};by=127.0.0.1;host={context.Request.Host.Value}");

        foreach (var interceptor in interceptors)
        {
            if (await interceptor.BeforeAppCallAsync(targetAppId, request, cancellationToken) is { } shortCircuit)
            {
                return shortCircuit;
            }
        }
        try
        {
            return await channel.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw DaprErrors.DirectInvoke(targetAppId, ex.Message);
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var hasBody = context.Request.ContentLength > 0
            || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        if (!hasBody)
        {
            return null;
        }
        // Buffered (≤ the 4 MiB request limit) so resiliency retries can resend it.
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.Length == 0 && context.Request.ContentLength is null ? null : buffer.ToArray();
    }

    /// <summary>A new span under the caller's trace (or a new trace), W3C format.</summary>
    internal static string ChildTraceParent(string incoming)
    {
        var parts = incoming.Split('-');
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        if (parts.Length == 4 && parts[1].Length == 32 && parts[2].Length == 16)
        {
            return $"00-{parts[1]}-{spanId}-{parts[3]}";
        }
        return $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{spanId}-01";
    }
}
