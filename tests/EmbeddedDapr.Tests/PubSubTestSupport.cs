using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.EmbeddedDapr.PubSub;
using YamlDotNet.RepresentationModel;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>A subscriber replica answered by a delegate; records what it received.</summary>
internal sealed class FakeSubscriber(string appId, string instanceId, Func<DeliveryRequest, DeliveryOutcome>? handler = null) : ISubscriberEndpoint
{
    public string AppId { get; } = appId;

    public string InstanceId { get; } = instanceId;

    public ConcurrentQueue<DeliveryRequest> Received { get; } = new();

    public Func<DeliveryRequest, DeliveryOutcome> Handler { get; set; } = handler ?? (_ => DeliveryOutcome.Success);

    public Task<DeliveryOutcome> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        Received.Enqueue(request);
        return Task.FromResult(Handler(request));
    }

    public List<JsonElement> Events() => Received.Select(r => JsonDocument.Parse(r.Body).RootElement.Clone()).ToList();
}

/// <summary>A clock the test moves by hand (only "now" matters to the breaker and envelope tests).</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public void Advance(TimeSpan by) => _now += by;
}

internal static class PubSubTestData
{
    public static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public static PubsubComponent Component(string name = "pubsub", string type = "pubsub.in-memory", params (string Key, string Value)[] metadata) =>
        new(name, type, metadata.ToDictionary(m => m.Key, m => m.Value), []);

    public static Subscription Subscription(string topic, string route = "events", string pubsub = "pubsub", string? deadLetter = null, params (string Match, string Path)[] rules)
    {
        var list = rules.Select(r => new SubscriptionRule(CelExpression.Parse(r.Match, SubscriptionParser.EventVariables), r.Path)).ToList();
        if (route.Length > 0)
        {
            list.Add(new SubscriptionRule(null, route));
        }

        return new Subscription(pubsub, topic, list, deadLetter, new Dictionary<string, string>(), [], "test");
    }

    public static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>YAML text → JSON tree, the shape the resource parsers take.</summary>
    public static JsonObject Yaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (JsonObject)Convert(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    public static async Task Until(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached in time");
            }

            await Task.Delay(5);
        }
    }
}

/// <summary>
/// A small ASP.NET Core subscriber app on a dynamic loopback port using Dapr.AspNetCore exactly as the services do
/// (<c>UseCloudEvents</c>, <c>MapSubscribeHandler</c>, <c>WithTopic</c>); records what each route received.
/// </summary>
internal sealed class SubscriberApp : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private SubscriberApp(Microsoft.AspNetCore.Builder.WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First());

    public ConcurrentQueue<(string Route, string Body, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    public static async Task<SubscriberApp> StartAsync(Action<Microsoft.AspNetCore.Builder.WebApplication, SubscriberApp> map, bool useDaprAspNetCore = true)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        Microsoft.AspNetCore.Hosting.WebHostBuilderKestrelExtensions.UseKestrel(builder.WebHost, k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var web = builder.Build();
        var app = new SubscriberApp(web);
        if (useDaprAspNetCore)
        {
            web.UseCloudEvents(new Dapr.CloudEventsMiddlewareOptions { ForwardCloudEventPropertiesAsHeaders = true });
            web.MapSubscribeHandler();
        }

        map(web, app);
        await web.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    /// <summary>A POST handler that records the (unwrapped) body and answers 200.</summary>
    public Microsoft.AspNetCore.Http.RequestDelegate Record(string route, int status = 200, string? body = null) => async context =>
    {
        using var reader = new StreamReader(context.Request.Body);
        Received.Enqueue((route, await reader.ReadToEndAsync(), context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
        context.Response.StatusCode = status;
        if (body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }
    };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
