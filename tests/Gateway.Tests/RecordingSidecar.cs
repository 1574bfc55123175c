using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.Gateway.Tests;

/// <summary>
/// Stands in for the gateway's sidecar on a dynamic loopback port and records exactly what the gateway sends
/// it, so tests can check the invocation contract (path, dapr-app-id, identity headers) header by header.
/// Order-event paths answer as a server-sent event stream that stays open until <see cref="EndStreams"/>.
/// </summary>
public sealed class RecordingSidecar : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TaskCompletionSource endStreams = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RecordingSidecar(WebApplication app) => this.app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<RecordingSidecar> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sidecar = new RecordingSidecar(app);
        app.Run(sidecar.HandleAsync);
        await app.StartAsync();
        sidecar.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return sidecar;
    }

    public void EndStreams() => endStreams.TrySetResult();

    public RecordedRequest Single(string pathPrefix) => Assert.Single(Requests, r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    private async Task HandleAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers));

        if (context.Request.Path.Value?.EndsWith("/events", StringComparison.Ordinal) == true)
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("event: OrderConfirmed\ndata: {\"status\":\"Confirmed\"}\n\n");
            await context.Response.Body.FlushAsync();
            await endStreams.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
            return;
        }

        if (context.Request.Path.StartsWithSegments("/api/payments/fail"))
        {
            // An app's own 500 (JSON, not a Dapr error) must pass through untouched.
            context.Response.StatusCode = 500;
            await context.Response.WriteAsJsonAsync(new { errorCode = "PAYMENT_PROVIDER_DOWN" });
            return;
        }

        context.Response.Headers.Server = "Kestrel";
        await context.Response.WriteAsJsonAsync(new { path = context.Request.Path.Value, app = headers.GetValueOrDefault("dapr-app-id") });
    }

    public async ValueTask DisposeAsync()
    {
        EndStreams();
        await app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
