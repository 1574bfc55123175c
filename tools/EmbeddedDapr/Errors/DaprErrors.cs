using Grpc.Core;

namespace Flipkart.EmbeddedDapr.Errors;

/// <summary>The daprd errors the embedded sidecar produces, with daprd's codes, tags, reasons and wording.</summary>
public static class DaprErrors
{
    public static DaprApiException StateStoreNotConfigured(string store, string appId)
    {
        var e = new DaprApiException(StatusCode.FailedPrecondition, 500, "ERR_STATE_STORE_NOT_CONFIGURED",
            $"state store {store} is not configured", "DAPR_STATE_NOT_CONFIGURED");
        return appId.Length > 0 ? e.WithMetadata("appID", appId) : e;
    }

    public static DaprApiException StateStoreNotFound(string store, string appId)
    {
        var e = new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_STATE_STORE_NOT_FOUND",
            $"state store {store} is not found", "DAPR_STATE_NOT_FOUND");
        return appId.Length > 0 ? e.WithMetadata("appID", appId) : e;
    }

    public static DaprApiException IllegalKey(string store, string key)
    {
        var msg = $"input key/keyPrefix '{key}' can't contain '||'";
        return new DaprApiException(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", msg, "DAPR_STATE_ILLEGAL_KEY")
            .WithResource("state", store)
            .WithFieldViolation(key, msg);
    }

    public static DaprApiException TransactionsNotSupported(string store) =>
        new DaprApiException(StatusCode.Unimplemented, 500, "ERR_STATE_STORE_NOT_SUPPORTED",
                $"state store {store} doesn't support transactions", "DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED")
            .WithResource("state", store)
            .WithHelp("https://docs.dapr.io/reference/components-reference/supported-state-stores/",
                "Check the list of state stores and the features they support");

    /// <summary><c>apierrors.Basic</c>: a rich error whose reason is the legacy tag itself.</summary>
    public static DaprApiException Basic(StatusCode code, int http, string tag, string message, bool permanent = false) =>
        new(code, http, tag, message, tag) { IsPermanent = permanent };

    /// <summary>Legacy APIError: status + message, no details.</summary>
    public static DaprApiException Legacy(StatusCode code, int http, string tag, string message) =>
        new(code, http, tag, message);

    public static DaprApiException SecretStoresNotConfigured() =>
        Legacy(StatusCode.FailedPrecondition, 500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");

    public static DaprApiException SecretStoreNotFound(string store) =>
        Legacy(StatusCode.InvalidArgument, 401, "ERR_SECRET_STORE_NOT_FOUND", $"failed finding secret store with key {store}");

    public static DaprApiException SecretGet(string store, string key, string detail) =>
        Legacy(StatusCode.Internal, 500, "ERR_SECRET_GET", $"failed getting secret with key {key} from secret store {store}: {detail}");

    public static DaprApiException SecretBulkGet(string store, string detail) =>
        Legacy(StatusCode.Internal, 500, "ERR_SECRET_GET", $"failed getting secrets from secret store {store}: {detail}");

    public static DaprApiException DirectInvoke(string appId, string detail) =>
        Legacy(StatusCode.Internal, 500, "ERR_DIRECT_INVOKE", $"failed to invoke, id: {appId}, err: {detail}");

    public static DaprApiException MalformedRequest(string detail) =>
        Legacy(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", detail);
}
