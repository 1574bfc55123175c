using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flipkart.Testing;

/// <summary>
/// A stand-in for another app: a minimal in-memory web app with only the endpoints a test needs, reached through its
/// own embedded sidecar (see <see cref="ServiceCluster{TProgram}.AddStubAsync"/>), so calls to it are real Dapr
/// service invocation and its subscriptions real deliveries.
/// </summary>
public sealed class StubApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private StubApp(WebApplication app) => this.app = app;

    public HttpMessageHandler CreateHandler() => app.GetTestServer().CreateHandler();

    public static async Task<StubApp> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new StubApp(app);
    }

    /// <summary>
    /// A subscriber of <paramref name="topic"/> that records every CloudEvent delivered to it (the envelope JSON),
    /// standing in for the consumers of a publisher under test.
    /// </summary>
    public static Task<StubApp> RecorderAsync(string topic, Action<JsonObject> received) => StartAsync(app =>
    {
        app.MapGet("/dapr/subscribe", () => Results.Json(new[] { new { pubsubname = "pubsub", topic, route = topic } }));
        app.MapPost($"/{topic}", async (HttpRequest request) =>
        {
            received((await JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!);
            return Results.Ok();
        });
    });

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
