using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flipkart.EmbeddedDapr.Tests.Conformance;

public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A small HTTP app on a dynamic loopback port that records what the sidecar forwards to it.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestApp(WebApplication app, string name)
    {
        this.app = app;
        Name = name;
    }

    public string Name { get; }
    public Uri Url => new(app.Urls.First());
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<TestApp> StartAsync(string name = "app")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var web = builder.Build();
        var testApp = new TestApp(web, name);
        web.Use(async (context, next) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            testApp.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body));
            context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
            await next(context);
        });
        web.MapGet("/whoami", () => name);
        web.MapMethods("/echo/{**rest}", ["GET", "POST", "PUT", "DELETE"], async (HttpContext context) =>
        {
            context.Response.Headers["x-app"] = name;
            context.Response.ContentType = context.Request.ContentType ?? "text/plain";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        web.MapGet("/status/{code:int}", (int code, HttpContext context) =>
        {
            context.Response.Headers["x-app-status"] = code.ToString();
            return Results.Text($"status {code} from {name}", "text/plain", statusCode: code);
        });
        await web.StartAsync(TestContext.Current.CancellationToken);
        return testApp;
    }

    public RecordedRequest Last(string pathPrefix) => Requests.Last(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
