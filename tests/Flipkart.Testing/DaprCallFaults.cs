using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;

namespace Flipkart.Testing;

/// <summary>
/// Makes chosen Dapr API calls of one DaprClient fail as a failing store behind daprd makes them fail: the gRPC call
/// (e.g. <c>SaveState</c>) answers <see cref="StatusCode.Internal"/> without reaching the sidecar, while every other
/// call goes through. Hand it to a service under test as its DaprClient to see how it answers an outage.
/// </summary>
public sealed class DaprCallFaults : DelegatingHandler
{
    private volatile string? failing;

    public DaprCallFaults() : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Fails every call of gRPC method <paramref name="method"/> (the Dapr runtime API's name, e.g. <c>SaveState</c>) until <see cref="Heal"/>.</summary>
    public void Fail(string method) => failing = method;

    public void Heal() => failing = null;

    /// <summary>How many calls were failed.</summary>
    public int Failed => failed;

    private int failed;

    /// <summary>A DaprClient of <paramref name="sidecar"/>'s gRPC API whose calls go through these faults.</summary>
    public DaprClient CreateClient(Flipkart.EmbeddedDapr.Hosting.EmbeddedDaprSidecar sidecar) =>
        sidecar.CreateDaprClient(builder => builder
            .UseGrpcChannelOptions(new GrpcChannelOptions { HttpHandler = this, DisposeHttpClient = false })
            .UseJsonSerializationOptions(Flipkart.ServiceDefaults.Extensions.ConfigureJson(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web), strict: false)));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (failing is { } method && request.RequestUri?.AbsolutePath.EndsWith("/" + method, StringComparison.Ordinal) == true)
        {
            Interlocked.Increment(ref failed);
            // A trailers-only gRPC answer: the status travels in the headers, as daprd sends an immediate error.
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                RequestMessage = request,
                Version = request.Version,
                Content = new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc") } },
            };
            response.Headers.Add("grpc-status", ((int)StatusCode.Internal).ToString(CultureInfo.InvariantCulture));
            response.Headers.Add("grpc-message", $"fail to {method}: injected store failure");
            return Task.FromResult(response);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
