using Dapr.Client.Autogen.Grpc.v1;
using Flipkart.EmbeddedDapr.Secrets;
using Grpc.Core;

namespace Flipkart.EmbeddedDapr.GrpcApi;

public sealed partial class DaprGrpcService
{
    public Task<GetSecretResponse> GetSecret(GetSecretRequest request, ServerCallContext context)
    {
        var response = new GetSecretResponse();
        foreach (var (key, value) in SecretsApi.Get(Sidecar, request.StoreName, request.Key, request.Metadata))
        {
            response.Data[key] = value;
        }
        return Task.FromResult(response);
    }

    public Task<GetBulkSecretResponse> GetBulkSecret(GetBulkSecretRequest request, ServerCallContext context)
    {
        var response = new GetBulkSecretResponse();
        foreach (var (name, values) in SecretsApi.BulkGet(Sidecar, request.StoreName, request.Metadata))
        {
            var secret = new SecretResponse();
            foreach (var (k, v) in values) { secret.Secrets[k] = v; }
            response.Data.Add(name, secret);
        }
        return Task.FromResult(response);
    }
}
