using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Bench;

/// <summary>The baseline: a bare Grpc.AspNetCore unary echo on the same kind of Kestrel h2c endpoint.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    public static readonly Method<BytesValue, BytesValue> Echo = new(
        MethodType.Unary, "bench.Echo", "Echo",
        Marshallers.Create(m => m.ToByteArray(), BytesValue.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), BytesValue.Parser.ParseFrom));

    private readonly WebApplication app;
    private ListenOptions? listen;

    private EchoServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo =>
        {
            lo.Protocols = HttpProtocols.Http2;
            listen = lo;
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IServiceMethodProvider<EchoService>, EchoMethods>();
        app = builder.Build();
        app.MapGrpcService<EchoService>();
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)listen!.EndPoint).Port}");

    public static async Task<EchoServer> StartAsync()
    {
        var server = new EchoServer();
        await server.app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    internal sealed class EchoService;

    private sealed class EchoMethods : IServiceMethodProvider<EchoService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<EchoService> context) =>
            context.AddUnaryMethod(Echo, [], (_, request, _) => Task.FromResult(request));
    }
}
