using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;

namespace Flipkart.EmbeddedDapr.Secrets;

/// <summary>daprd's secrets API logic (legacy errors, no details), shared by gRPC and HTTP.</summary>
internal static class SecretsApi
{
    public static IReadOnlyDictionary<string, string> Get(SidecarContext sidecar, string storeName, string key, IDictionary<string, string> metadata)
    {
        var store = sidecar.GetSecretStore(storeName);
        if (!IsAllowed(sidecar, storeName, key))
        {
            throw DaprErrors.Legacy(Grpc.Core.StatusCode.PermissionDenied, 403, "ERR_PERMISSION_DENIED",
                $"access denied by policy to get \"{key}\" from \"{storeName}\"");
        }
        try
        {
            return store.Get(key, new Dictionary<string, string>(metadata));
        }
        catch (Exception ex) when (ex is SecretNotFoundException or InvalidOperationException)
        {
            throw DaprErrors.SecretGet(storeName, key, ex.Message);
        }
    }

    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(SidecarContext sidecar, string storeName, IDictionary<string, string> metadata)
    {
        var store = sidecar.GetSecretStore(storeName);
        try
        {
            // Secrets the scope denies are silently left out of bulk answers.
            return store.BulkGet(new Dictionary<string, string>(metadata))
                .Where(kv => IsAllowed(sidecar, storeName, kv.Key))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        catch (InvalidOperationException ex)
        {
            throw DaprErrors.SecretBulkGet(storeName, ex.Message);
        }
    }

    /// <summary>Configuration <c>spec.secrets.scopes</c>: allowedSecrets wins, then deniedSecrets, then defaultAccess.</summary>
    private static bool IsAllowed(SidecarContext sidecar, string storeName, string key)
    {
        var scope = (sidecar.Configuration?.Secrets?["scopes"] as System.Text.Json.Nodes.JsonArray ?? [])
            .OfType<System.Text.Json.Nodes.JsonObject>()
            .FirstOrDefault(s => s["storeName"]?.ToString() == storeName);
        if (scope is null)
        {
            return true;
        }
        static string[] List(System.Text.Json.Nodes.JsonNode? node) =>
            (node as System.Text.Json.Nodes.JsonArray ?? []).Select(n => n?.ToString() ?? "").ToArray();
        var allowed = List(scope["allowedSecrets"]);
        if (allowed.Length > 0)
        {
            return allowed.Contains(key, StringComparer.Ordinal);
        }
        if (List(scope["deniedSecrets"]).Contains(key, StringComparer.Ordinal))
        {
            return false;
        }
        return !string.Equals(scope["defaultAccess"]?.ToString(), "deny", StringComparison.OrdinalIgnoreCase);
    }
}
