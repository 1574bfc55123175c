using System.Diagnostics;
using System.Globalization;
using Flipkart.EmbeddedDapr.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>
/// daprd's <c>HTTPTraceMiddleware</c>: every call to the HTTP API except health checks gets a span of kind Client under
/// the caller's <c>traceparent</c>, named after the path and renamed <c>CallLocal/&lt;app&gt;/&lt;method&gt;</c> for service
/// invocation or <c>CallActor/&lt;type&gt;/&lt;method&gt;</c> for actor calls; attributes as the endpoint group adds them, plus
/// <c>dapr.*</c>, <c>http.request.method</c>, <c>url.full</c>, <c>server.*</c> and the caller's <c>dapr-*</c> headers; status
/// from the HTTP status; <c>traceparent</c> on the response when the handler set none.
/// gRPC calls on the same port are traced by <see cref="GrpcTraceInterceptor"/>.
/// </summary>
internal sealed class HttpTraceMiddleware(RequestDelegate next, SidecarContext sidecar)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var tracer = context.RequestServices.GetService<SidecarTracer>();
        if (tracer is not { Enabled: true } || path.Contains("/healthz", StringComparison.Ordinal) || path.StartsWith("/embedded/", StringComparison.Ordinal)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            await next(context);
            return;
        }

        var headers = context.Request.Headers;
        using var span = tracer.Start(path, ActivityKind.Client, TraceContext.FromW3C(headers.TraceParent, headers.TraceState));
        if (span is null)
        {
            await next(context);
            return;
        }

        var userHeaders = UserDefinedHeaders(context.Request.Headers);
        context.Response.OnStarting(() =>
        {
            if (!context.Response.Headers.ContainsKey("traceparent"))
            {
                context.Response.Headers.TraceParent = TraceContext.ToW3C(span);
            }
            return Task.CompletedTask;
        });
        try
        {
            await next(context);
        }
        finally
        {
            if (span.IsAllDataRequested)
            {
                Describe(span, context, path, userHeaders);
            }
            SpanAttributes.SetHttpStatus(span, context.Response.StatusCode);
        }
    }

    private void Describe(Activity span, HttpContext context, string path, IReadOnlyList<KeyValuePair<string, string>> userHeaders)
    {
        foreach (var (key, value) in userHeaders)
        {
            SpanAttributes.Set(span, key, value);
        }

        var method = context.Request.Method;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var headerTarget = context.Connection.LocalPort == sidecar.HttpPort ? context.Request.Headers["dapr-app-id"].ToString() : "";
        if (headerTarget.Length > 0)
        {
            // Header-mode invocation: any path on the HTTP port, proxied to the app named by dapr-app-id.
            Invocation(span, headerTarget, path.TrimStart('/'));
        }
        else if (segments.Length >= 2 && segments[0].StartsWith("v1.0", StringComparison.Ordinal))
        {
            var api = segments[1];
            string Segment(int i) => segments.Length > i ? Uri.UnescapeDataString(segments[i]) : "";
            switch (api)
            {
                case "invoke" when segments.Length >= 4 && segments[3] == "method":
                    Invocation(span, Segment(2), string.Join('/', segments.Skip(4)));
                    break;
                case "state":
                    SpanAttributes.SetStore(span, "state", Segment(2), $"{method} {path}");
                    break;
                case "secrets":
                    SpanAttributes.SetStore(span, "secrets", Segment(2), $"{method} {path}");
                    break;
                case "bindings":
                    SpanAttributes.SetStore(span, "bindings", Segment(2), $"{method} {path}");
                    break;
                case "publish":
                    SpanAttributes.SetPubsub(span, string.Join('/', segments.Skip(segments.Length > 2 && segments[2] == "bulk" ? 4 : 3)));
                    break;
                case "actors" when segments.Length >= 6 && segments[4] == "method":
                    span.DisplayName = $"CallActor/{Segment(2)}/{string.Join('/', segments.Skip(5))}";
                    SpanAttributes.Set(span, SpanAttributes.DaprActor, $"{Segment(2)}.{Segment(3)}");
                    break;
            }
        }

        SpanAttributes.Set(span, SpanAttributes.DaprProtocol, "http");
        SpanAttributes.Set(span, SpanAttributes.DaprApi, $"{method} {path}");
        SpanAttributes.Set(span, SpanAttributes.DaprStatusCode, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
        SpanAttributes.Set(span, SpanAttributes.HttpRequestMethod, method);
        SpanAttributes.Set(span, SpanAttributes.UrlFull, path + context.Request.QueryString.Value);
        SpanAttributes.Set(span, SpanAttributes.ServerAddress, context.Connection.RemoteIpAddress?.ToString());
        SpanAttributes.Set(span, SpanAttributes.ServerPort, context.Connection.RemotePort.ToString(CultureInfo.InvariantCulture));
    }

    private static void Invocation(Activity span, string appId, string method)
    {
        span.DisplayName = $"CallLocal/{appId}/{method}";
        SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.ServiceInvocation);
        SpanAttributes.Set(span, SpanAttributes.NetPeerName, appId);
    }

    /// <summary>daprd's <c>userDefinedHTTPHeaders</c>: <c>dapr-</c> headers (lower-cased, last value) become attributes.</summary>
    private static List<KeyValuePair<string, string>> UserDefinedHeaders(IHeaderDictionary headers)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in headers)
        {
            if (values.Count > 0 && key.Length > 4 && key.StartsWith("dapr-", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("dapr-api-token", StringComparison.OrdinalIgnoreCase))
            {
                result.Add(KeyValuePair.Create(key.ToLowerInvariant(), values[^1] ?? ""));
            }
        }
        return result;
    }
}
