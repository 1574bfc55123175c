using System.Net;
using Flipkart.LoadTest.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.LoadTest.Tests;

public sealed class LoadClientTests
{
    /// <summary>
    /// A buyer stops reading its order's event stream once the order settles; the server keeps the stream open. The
    /// client must close that connection then, as a browser closing its EventSource does, not keep it (draining it for
    /// up to 2 s by default) while the next buyer waits for a connection. The server sees the stream's connection go
    /// while it answers the next request; a drained connection would still be open well past that wait.
    /// </summary>
    [Fact]
    public async Task An_abandoned_event_stream_closes_its_connection_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var streamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/stream", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.RequestAborted.Register(() => streamClosed.TrySetResult());
            await context.Response.WriteAsync("data: {\"status\":\"Confirmed\"}\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        app.MapGet("/next", async () =>
        {
            // Well under the handler's 2 s drain timeout: only a connection closed at once is seen closed here.
            var closed = await streamClosed.Task.WaitAsync(TimeSpan.FromSeconds(1.5), ct).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
            return closed ? "closed" : "still open";
        });
        await app.StartAsync(ct);
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var client = new LoadClient(url, maxConnections: 2);

        using (var stream = await client.OpenStreamAsync(null, "order-stream", "/stream", null, ct))
        {
            using var reader = new StreamReader(await stream!.Content.ReadAsStreamAsync(ct));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(ct));
        }
        var next = await client.GetAsync(null, "next", "/next", ct);

        Assert.Equal("closed", next.Text);
        await app.StopAsync(ct);
    }
}
