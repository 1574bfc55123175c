namespace Flipkart.DevHost.Sidecars;

/// <summary>The embedded, in-memory Dapr sidecars (tools/EmbeddedDapr) behind <see cref="ISidecarCluster"/>.</summary>
public static class EmbeddedSidecarCluster
{
    public static Task<ISidecarCluster> CreateAsync(LocalRunContext context, CancellationToken cancellationToken) =>
        throw new DevHostException("The embedded sidecar's hosting API is not wired into DevHost yet.");
}
