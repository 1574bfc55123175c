namespace Flipkart.DevHost.Sidecars;

/// <summary>What one replica's sidecar needs to know: who it serves and where that app will listen.</summary>
/// <param name="DaprHttpPort">The run file's port for the sidecar's HTTP API, or null for a free one.</param>
/// <param name="ConfigFile">The Dapr Configuration file the run file gives this app (middleware, tracing, access control).</param>
public sealed record SidecarRequest(string AppId, int Replica, int AppPort, int? DaprHttpPort, int? DaprGrpcPort, string? ConfigFile);

/// <summary>A running sidecar: its ports and the environment daprd would hand its app.</summary>
public sealed record SidecarEndpoint(int HttpPort, int GrpcPort, IReadOnlyDictionary<string, string> Environment);

/// <summary>The sidecars of one local run, all sharing one backing store the way apps share one Redis.</summary>
public interface ISidecarCluster : IAsyncDisposable
{
    /// <summary>Starts one sidecar per request (in order) and returns their endpoints in the same order.</summary>
    Task<IReadOnlyList<SidecarEndpoint>> StartAsync(IReadOnlyList<SidecarRequest> sidecars, CancellationToken cancellationToken);
}
