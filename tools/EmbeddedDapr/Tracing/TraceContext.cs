using System.Diagnostics;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>W3C trace context and daprd's binary <c>grpc-trace-bin</c> form, parsed as <c>pkg/diagnostics</c> parses them.</summary>
public static class TraceContext
{
    /// <summary>A remote parent from <c>traceparent</c>/<c>tracestate</c>; default (= start a new trace) when absent or invalid.</summary>
    public static ActivityContext FromW3C(string? traceParent, string? traceState = null) =>
        !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent.Trim(), string.IsNullOrEmpty(traceState) ? null : traceState, isRemote: true, out var context)
            ? context
            : default;

    /// <summary>
    /// OpenCensus binary format (daprd's <c>BinaryFromSpanContext</c>): version 0, field 0 + 16-byte trace id,
    /// field 1 + 8-byte span id, field 2 + 1-byte options.
    /// </summary>
    public static ActivityContext FromBinary(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 29 || bytes[0] != 0 || bytes[1] != 0 || bytes[18] != 1)
        {
            return default;
        }
        var traceId = ActivityTraceId.CreateFromBytes(bytes.Slice(2, 16));
        var spanId = ActivitySpanId.CreateFromBytes(bytes.Slice(19, 8));
        var flags = bytes[27] == 2 && (bytes[28] & 1) == 1 ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        return new ActivityContext(traceId, spanId, flags, isRemote: true);
    }

    public static byte[] ToBinary(ActivityContext context)
    {
        var bytes = new byte[29];
        bytes[1] = 0;
        context.TraceId.CopyTo(bytes.AsSpan(2, 16));
        bytes[18] = 1;
        context.SpanId.CopyTo(bytes.AsSpan(19, 8));
        bytes[27] = 2;
        bytes[28] = (byte)context.TraceFlags;
        return bytes;
    }

    /// <summary><c>00-traceid-spanid-flags</c> of a span.</summary>
    public static string ToW3C(Activity activity) => ToW3C(activity.Context);

    public static string ToW3C(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";
}
