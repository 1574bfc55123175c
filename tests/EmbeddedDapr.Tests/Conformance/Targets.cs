namespace Flipkart.EmbeddedDapr.Tests.Conformance;

/// <summary>
/// Every conformance behaviour runs against each target: the embedded sidecar, and real daprd when one is
/// reachable (<c>DAPR_CONFORMANCE_GRPC_ENDPOINT</c>/<c>DAPR_CONFORMANCE_HTTP_ENDPOINT</c>, or <c>daprd</c> on PATH).
/// Without daprd the second case is reported as skipped with the reason, never as passed.
/// </summary>
public static class Targets
{
    public const string Embedded = "embedded";
    public const string Daprd = "daprd";

    public static TheoryData<string> All => new(Embedded, Daprd);

    public static string? DaprdGrpcEndpoint => Environment.GetEnvironmentVariable("DAPR_CONFORMANCE_GRPC_ENDPOINT");
    public static string? DaprdHttpEndpoint => Environment.GetEnvironmentVariable("DAPR_CONFORMANCE_HTTP_ENDPOINT");

    /// <summary>Full path of <c>daprd</c> when it is on PATH.</summary>
    public static string? DaprdOnPath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "daprd.exe" : "daprd"))
            .FirstOrDefault(File.Exists);

    public static bool HasDaprdEndpoints => !string.IsNullOrEmpty(DaprdGrpcEndpoint) && !string.IsNullOrEmpty(DaprdHttpEndpoint);

    public const string NoDaprdReason =
        "real daprd is not available here: no `daprd` on PATH and DAPR_CONFORMANCE_GRPC_ENDPOINT/DAPR_CONFORMANCE_HTTP_ENDPOINT are not set";
}
