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
        var request = new InvocationRequest(
            context.Request.Method,
            method,
            context.Request.QueryString.Value ?? "",
            await ReadBodyAsync(context),
            context.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.Select(v => v ?? "").ToArray())).ToArray(),
            context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            context.Request.Host.Value ?? "");
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(targetAppId, request, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ex.WriteHttpAsync(context);
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

    /// <summary>
    /// Invokes <paramref name="targetAppId"/> through resiliency; transport failures become <c>ERR_DIRECT_INVOKE</c>
    /// (<see cref="DaprApiException"/>). The caller owns the returned response.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(string targetAppId, InvocationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await resiliency.ExecuteAppCallAsync(targetAppId, ct => SendOnceAsync(targetAppId, request, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            throw DaprErrors.DirectInvoke(targetAppId, ex.Message);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(string targetAppId, InvocationRequest invocation, CancellationToken cancellationToken)
    {
        var target = string.Equals(targetAppId, sidecar.AppId, StringComparison.Ordinal)
            ? sidecar.Sidecar // self-invocation short-circuits to the local app channel
            : sidecar.Cluster.PickReplica(targetAppId);
        if (target is null || !target.IsRunning)
        {
            throw DaprErrors.DirectInvoke(targetAppId, $"couldn't find service: {targetAppId}");
        }
        var method = invocation.Method.TrimStart('/');
        if (!AccessControl.IsAllowed(target.Context.Configuration?.AccessControl, sidecar.AppId, method, invocation.Verb))
        {
            throw DaprErrors.Legacy(Grpc.Core.StatusCode.PermissionDenied, 403, "ERR_DIRECT_INVOKE",
                $"failed to invoke, id: {targetAppId}, err: rpc error: code = PermissionDenied desc = access control policy has denied access to appid: {sidecar.AppId} operation: /{method} verb: {invocation.Verb}");
        }
        var channel = target.AppChannel ?? throw DaprErrors.DirectInvoke(targetAppId, "app channel is not initialized");

        var query = invocation.Query.Length == 0 || invocation.Query.StartsWith('?') ? invocation.Query : "?" + invocation.Query;
        var request = new HttpRequestMessage(new HttpMethod(invocation.Verb), "/" + method + query);
        if (invocation.Body is not null)
        {
            request.Content = new ByteArrayContent(invocation.Body);
        }
        string? traceParent = null, traceState = null;
        foreach (var (name, values) in invocation.Headers)
        {
            if (string.Equals(name, "traceparent", StringComparison.OrdinalIgnoreCase))
            {
                traceParent = values.FirstOrDefault();
            }
            else if (string.Equals(name, "tracestate", StringComparison.OrdinalIgnoreCase))
            {
                traceState = values.FirstOrDefault();
            }
            if (HopByHop.Contains(name) || Restamped.Contains(name))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values);
            }
        }
        request.Headers.TryAddWithoutValidation("dapr-caller-app-id", sidecar.AppId);
        request.Headers.TryAddWithoutValidation("dapr-callee-app-id", targetAppId);
        using var span = Tracing.SidecarSpans.StartCallLocal(target.Context, method, traceParent, traceState);
        request.Headers.TryAddWithoutValidation("traceparent", span.TraceParent ?? ChildTraceParent(traceParent ?? ""));
        if ((span.TraceParent is null ? traceState : span.TraceState) is { Length: > 0 } state)
        {
            request.Headers.TryAddWithoutValidation("tracestate", state);
        }
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", invocation.RemoteAddress);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", invocation.Host);
        request.Headers.TryAddWithoutValidation("Forwarded", $"for={invocation.RemoteAddress};by=127.0.0.1;host={invocation.Host}");

        foreach (var interceptor in interceptors)
        {
            if (await interceptor.BeforeAppCallAsync(targetAppId, request, cancellationToken) is { } shortCircuit)
            {
                return shortCircuit;
            }
        }
        try
        {
            var response = await channel.SendAsync(request, cancellationToken);
            span.SetHttpStatus((int)response.StatusCode);
            return response;
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

/// <summary>A call to another app as the caller made it (verb, method path, query, body, headers).</summary>
public sealed record InvocationRequest(
    string Verb,
    string Method,
    string Query,
    byte[]? Body,
    IReadOnlyList<KeyValuePair<string, string[]>> Headers,
    string RemoteAddress = "127.0.0.1",
    string Host = "");
