namespace Flipkart.Ordering.Infrastructure;

public static class DaprInvocation
{
    // The same settings daprd's environment contract (and the Dapr SDK) use.
    public static string SidecarHttpEndpoint(IConfiguration configuration) =>
        configuration["DAPR_HTTP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint
        : $"http://127.0.0.1:{(configuration["DAPR_HTTP_PORT"] is { Length: > 0 } port ? port : "3500")}";
}
