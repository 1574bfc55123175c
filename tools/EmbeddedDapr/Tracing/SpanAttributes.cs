using System.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Flipkart.EmbeddedDapr.Tracing;

/// <summary>Attribute keys and values daprd puts on its spans (<c>pkg/diagnostics/consts/consts.go</c>, semconv v1.25).</summary>
internal static class SpanAttributes
{
    public const string DaprApi = "dapr.api";
    public const string DaprStatusCode = "dapr.status_code";
    public const string DaprProtocol = "dapr.protocol";
    public const string DaprInvokeMethod = "dapr.invoke_method";
    public const string DaprActor = "dapr.actor";
    public const string DbSystem = "db.system";
    public const string DbName = "db.name";
    public const string DbStatement = "db.statement";
    public const string DbConnectionString = "db.connection_string";
    public const string MessagingSystem = "messaging.system";
    public const string MessagingDestination = "messaging.destination.name";
    public const string RpcService = "rpc.service";
    public const string NetPeerName = "net.peer.name";
    public const string HttpRequestMethod = "http.request.method";
    public const string UrlFull = "url.full";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";

    public const string ServiceInvocation = "ServiceInvocation";
    public const string DaprService = "Dapr";
    public const string CallLocalStream = "/dapr.proto.internals.v1.ServiceInvocation/CallLocalStream";

    /// <summary>
    /// daprd's <c>UpdateSpanStatusFromHTTPStatus</c>: Error with <c>Code(404): Not Found</c> from 400 up, Unset below.
    /// </summary>
    public static void SetHttpStatus(Activity activity, int status)
    {
        if (status >= 400)
        {
            var text = ReasonPhrases.GetReasonPhrase(status);
            activity.SetStatus(ActivityStatusCode.Error, $"Code({status}): {(text.Length == 0 ? "Unknown" : text)}");
        }
    }

    /// <summary>Only non-empty values become attributes, as in daprd's <c>AddAttributesToSpan</c>.</summary>
    public static void Set(Activity activity, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            activity.SetTag(key, value);
        }
    }

    /// <summary>The state/secrets/bindings group attributes: <c>db.*</c> with the building block as system and connection string.</summary>
    public static void SetStore(Activity activity, string buildingBlock, string? store, string statement)
    {
        Set(activity, DbSystem, buildingBlock);
        Set(activity, DbConnectionString, buildingBlock);
        Set(activity, DbStatement, statement);
        Set(activity, DbName, store);
    }

    public static void SetPubsub(Activity activity, string? topic)
    {
        Set(activity, MessagingSystem, "pubsub");
        Set(activity, MessagingDestination, topic);
    }
}
