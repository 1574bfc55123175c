using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Hosting;

namespace Flipkart.EmbeddedDapr.Secrets;

/// <summary>daprd's secrets API logic (legacy errors, no details), shared by gRPC and HTTP.</summary>
internal static class SecretsApi
{
    public static IReadOnlyDictionary<string, string> Get(SidecarContext sidecar, string storeName, string key, IDictionary<string, string> metadata)
    {
        var store = sidecar.GetSecretStore(storeName);
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
            return store.BulkGet(new Dictionary<string, string>(metadata));
        }
        catch (InvalidOperationException ex)
        {
            throw DaprErrors.SecretBulkGet(storeName, ex.Message);
        }
    }
}
