using Dapr.Client;
using Flipkart.ServiceDefaults;
using Grpc.Net.Client;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// Writes many keys in one Dapr <c>SaveState</c> call (daprd hands them to the store's bulk set), which is what makes
/// seeding 10,000 products take a second instead of ten thousand round trips. The SDK's <c>SaveBulkStateAsync</c> sends
/// no <c>dapr-api-token</c> (it passes no call options), so this client's gRPC channel adds the token to every call
/// itself; endpoints and token come from the same settings the shared client reads.
/// </summary>
public sealed class BulkStateWriter : IDisposable
{
    private readonly DaprClient _client;

    public BulkStateWriter(IConfiguration configuration, DaprClient shared)
    {
        var builder = new DaprClientBuilder().UseJsonSerializationOptions(shared.JsonSerializerOptions);
        if (configuration["DAPR_GRPC_ENDPOINT"] is { Length: > 0 } endpoint)
        {
            builder.UseGrpcEndpoint(endpoint);
        }
        else if (configuration["DAPR_GRPC_PORT"] is { Length: > 0 } port)
        {
            builder.UseGrpcEndpoint($"http://127.0.0.1:{port}");
        }
        if (configuration["DAPR_API_TOKEN"] is { Length: > 0 } token)
        {
            builder.UseDaprApiToken(token);
            builder.UseGrpcChannelOptions(new GrpcChannelOptions { HttpHandler = new TokenHandler(token) { InnerHandler = new SocketsHttpHandler() } });
        }
        _client = builder.Build();
    }

    public Task SaveAsync<T>(string store, IReadOnlyList<(string Key, T Value)> items, CancellationToken cancellationToken) =>
        // etag null: the SDK then sends no ETag (last write wins, as the per-key saves did).
        _client.SaveBulkStateAsync(store, items.Select(i => new SaveStateItem<T>(i.Key, i.Value, etag: null!)).ToList(), cancellationToken);

    public void Dispose() => _client.Dispose();

    private sealed class TokenHandler(string token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("dapr-api-token");
            request.Headers.TryAddWithoutValidation("dapr-api-token", token);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
