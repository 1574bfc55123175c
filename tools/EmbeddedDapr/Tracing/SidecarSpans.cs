using System.Diagnostics;
using System.Text.Json;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>
/// The one-line hooks the other building blocks call, so tracing stays in this folder:
/// the callee side of service invocation, each pub/sub delivery, and the trace context a publish or the outbox
/// writes into a CloudEvent.
/// </summary>
public static class SidecarSpans
{
    /// <summary>
    /// The <c>traceparent</c> daprd writes into a CloudEvent it builds: that of the span of the API call being served
    /// (<c>TraceIDAndStateFromSpan(SpanFromContext(ctx))</c>); null outside an API call or with tracing off.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { } current && SidecarTracer.IsSidecarSpan(current) ? TraceContext.ToW3C(current) : null;

    /// <summary>
    /// The callee sidecar's span of one service invocation: daprd's internal <c>CallLocalStream</c> server span
    /// <c>CallLocal/&lt;callee&gt;/&lt;method&gt;</c>, child of the caller sidecar's span (or of the caller's own context when the
    /// caller's sidecar made none). Dispose once the app answered.
    /// </summary>
    public static Span StartCallLocal(SidecarContext callee, string method, string? callerTraceParent, string? callerTraceState)
    {
        var parent = Activity.Current is { } current && SidecarTracer.IsSidecarSpan(current)
            ? current.Context
            : TraceContext.FromW3C(callerTraceParent, callerTraceState);
        var span = Tracer(callee)?.Start($"CallLocal/{callee.AppId}/{method}", ActivityKind.Server, parent);
        if (span is { IsAllDataRequested: true })
        {
            SpanAttributes.Set(span, SpanAttributes.RpcService, SpanAttributes.ServiceInvocation);
            SpanAttributes.Set(span, SpanAttributes.DaprInvokeMethod, method);
            SpanAttributes.Set(span, SpanAttributes.DaprProtocol, "grpc");
            SpanAttributes.Set(span, SpanAttributes.DaprApi, SpanAttributes.CallLocalStream);
        }
        return new Span(span);
    }

    /// <summary>Wraps a replica's delivery endpoint so each attempt gets daprd's <c>pubsub/&lt;topic&gt;</c> span.</summary>
    public static ISubscriberEndpoint Trace(ISubscriberEndpoint endpoint, SidecarContext subscriber) => new TracedSubscriberEndpoint(endpoint, subscriber);

    private static SidecarTracer? Tracer(SidecarContext sidecar)
    {
        try
        {
            return sidecar.Services.GetService<SidecarTracer>();
        }
        catch (InvalidOperationException)
        {
            return null; // the sidecar is not running
        }
    }

    /// <summary>A started span, or nothing when tracing is off; <see cref="TraceParent"/> is what goes to the app.</summary>
    public readonly struct Span(Activity? activity) : IDisposable
    {
        public Activity? Activity => activity;

        public string? TraceParent => activity is null ? null : TraceContext.ToW3C(activity);

        public string? TraceState => activity?.TraceStateString;

        public void SetHttpStatus(int status)
        {
            if (activity is not null)
            {
                SpanAttributes.SetHttpStatus(activity, status);
            }
        }

        public void Dispose() => activity?.Dispose();
    }

    /// <summary>
    /// daprd's HTTP postman (<c>pkg/runtime/subscription/postman/http/http.go</c>): the CloudEvent's <c>traceparent</c>, or
    /// its <c>traceid</c> when that key is absent, parents a Client span <c>pubsub/&lt;topic&gt;</c> with <c>messaging.system</c>
    /// and <c>messaging.destination.name</c>, status from the app's HTTP status; the app receives that span as its
    /// <c>traceparent</c>. A key that is present but empty (the outbox writes <c>"traceparent": ""</c>) starts a new trace,
    /// as it does in daprd.
    /// </summary>
    private sealed class TracedSubscriberEndpoint(ISubscriberEndpoint inner, SidecarContext subscriber) : ISubscriberEndpoint
    {
        public string AppId => inner.AppId;

        public string InstanceId => inner.InstanceId;

        public async Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
        {
            var tracer = Tracer(subscriber);
            if (tracer is not { Enabled: true })
            {
                return await inner.DeliverAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var (topic, traceParent, traceState) = ReadEnvelope(request.Body.Span);
            // Detached from whatever activity the broker's loop happened to capture: the event alone says where it belongs.
            var previous = Activity.Current;
            Activity.Current = null;
            using var span = tracer.Start($"pubsub/{topic}", ActivityKind.Client, TraceContext.FromW3C(traceParent, traceState));
            try
            {
                var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase);
                if (span is not null)
                {
                    headers["traceparent"] = TraceContext.ToW3C(span);
                    if (!string.IsNullOrEmpty(span.TraceStateString))
                    {
                        headers["tracestate"] = span.TraceStateString;
                    }
                }
                var outcome = await inner.DeliverAsync(request with { Headers = headers }, cancellationToken).ConfigureAwait(false);
                if (span is not null)
                {
                    SpanAttributes.SetPubsub(span, topic);
                    SpanAttributes.SetHttpStatus(span, outcome.StatusCode ?? (outcome.Status == DeliveryStatus.Success ? 200 : 0));
                    if (outcome.Unreachable || (outcome.Status != DeliveryStatus.Success && outcome.StatusCode is null))
                    {
                        span.SetStatus(ActivityStatusCode.Error, outcome.Error);
                    }
                }
                return outcome;
            }
            finally
            {
                span?.Dispose();
                Activity.Current = previous;
            }
        }

        private static (string Topic, string? TraceParent, string? TraceState) ReadEnvelope(ReadOnlySpan<byte> body)
        {
            string topic = "", traceState = "";
            string? traceParent = null, traceId = null;
            try
            {
                var reader = new Utf8JsonReader(body);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return (topic, null, null);
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        continue;
                    }
                    var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    switch (name)
                    {
                        case "topic": topic = value ?? ""; break;
                        case "traceparent": traceParent = value ?? ""; break;
                        case "traceid": traceId = value; break;
                        case "tracestate": traceState = value ?? ""; break;
                    }
                }
            }
            catch (JsonException)
            {
            }
            return (topic, traceParent ?? traceId, traceState);
        }
    }
}
