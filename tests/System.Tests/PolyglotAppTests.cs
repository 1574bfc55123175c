using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.DevHost;
using Flipkart.SystemTests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flipkart.SystemTests;

/// <summary>
/// The run file is the contract, whatever the language: an app added to a copy of <c>dapr.yaml</c> with a
/// <c>command</c> (a small Node app, tests/System.Tests/Polyglot/orders-watcher) runs in its appDirPath beside its own
/// sidecar, receives <c>orders</c> events, keeps state and answers service invocation, all through that sidecar.
/// </summary>
[Collection(LocalRunLanes.Lifecycle)]
public sealed class PolyglotAppTests
{
    private const string AppId = "orders-watcher";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_app_in_the_run_file_receives_orders_keeps_state_and_answers_invocation_through_its_sidecar()
    {
        if (FindOnPath("node") is null)
        {
            Assert.Skip("node is not installed (CI installs it: apt-get install nodejs); the polyglot run needs it.");
        }

        using var workspace = new TemporaryRunFile();
        var output = new BufferedRunOutput();
        await using var run = await LocalRun.StartAsync(new LocalRunOptions
        {
            RepositoryRoot = Repository.Root,
            RunFile = workspace.RunFile,
            Apps = ["ordering", AppId],
            DynamicPorts = true,
            Output = output,
        }, Cancellation);

        var watcher = run.Replicas.Single(r => r.AppId == AppId);
        Assert.False(watcher.IsDotnet);
        var ordering = run.Replicas.Single(r => r.AppId == "ordering");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Ordering's sidecar may publish to `orders` (the pubsub component's scopes); the event is the app's own.
        var eventId = Guid.NewGuid().ToString();
        using var publish = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{ordering.DaprHttpPort}/v1.0/publish/pubsub/orders")
        {
            Content = JsonContent.Create(new { id = eventId, specversion = "1.0", source = "system-test", type = "OrderSubmitted", datacontenttype = "application/json", data = new { orderId = eventId } },
                new System.Net.Http.Headers.MediaTypeHeaderValue("application/cloudevents+json")),
        };
        using (var published = await http.SendAsync(publish, Cancellation))
        {
            Assert.True(published.IsSuccessStatusCode, $"publish answered {(int)published.StatusCode}: {output.Tail(60)}");
        }

        // Service invocation through the watcher's sidecar reaches the Node app, which reads its state through the sidecar.
        var invoke = new Uri($"http://127.0.0.1:{watcher.DaprHttpPort}/v1.0/invoke/{AppId}/method/api/seen");
        string[] seen = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!seen.Contains(eventId) && DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync(invoke, Cancellation);
            Assert.True(response.IsSuccessStatusCode, $"invocation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
            seen = JsonSerializer.Deserialize<string[]>(await response.Content.ReadAsStringAsync(Cancellation)) ?? [];
            if (!seen.Contains(eventId))
            {
                await Task.Delay(200, Cancellation);
            }
        }
        Assert.True(seen.Contains(eventId), $"The Node app never recorded event {eventId}. Log:{Environment.NewLine}{output.Tail(80)}");
        Assert.Contains(output.Lines, line => line.StartsWith($"{AppId} | received OrderSubmitted {eventId}", StringComparison.Ordinal));
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    /// <summary>
    /// A copy of the run file and of the local profile in a temporary folder, as a team adding its app would write
    /// them: the app appended to <c>apps</c>, the pubsub component's scopes and subscription scopes extended to it, and a state
    /// store of its own.
    /// </summary>
    private sealed class TemporaryRunFile : IDisposable
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("polyglot-run-");

        public TemporaryRunFile()
        {
            var profile = Directory.CreateDirectory(Path.Combine(_folder.FullName, "components", "local"));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "components", "local")))
            {
                var text = File.ReadAllText(file);
                if (Path.GetFileName(file) == "pubsub.yaml")
                {
                    text = AdmitToPubSub(text);
                }
                File.WriteAllText(Path.Combine(profile.FullName, Path.GetFileName(file)), text);
            }
            File.WriteAllText(Path.Combine(profile.FullName, "orders-watcher-store.yaml"), $"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata:
                  name: orders-watcher-store
                spec:
                  type: state.redis
                  version: v1
                  metadata:
                    - name: redisHost
                      value: localhost:6379
                scopes: [{AppId}]
                """);

            // The services keep their folders: their appDirPaths become absolute; the new app runs from its own.
            var runFile = File.ReadAllText(Repository.Path("dapr.yaml"))
                .Replace("appDirPath: services/", $"appDirPath: {Repository.Root}/services/", StringComparison.Ordinal);
            runFile += $"""

                  - appID: {AppId}
                    appDirPath: {Path.Combine(Repository.Root, "tests", "System.Tests", "Polyglot", AppId)}
                    appPort: 5199
                    command: ["node", "app.mjs"]

                """;
            File.WriteAllText(RunFile, runFile);
        }

        public string RunFile => Path.Combine(_folder.FullName, "dapr.yaml");

        public void Dispose() => _folder.Delete(recursive: true);

        /// <summary>
        /// The pubsub component with the app in its scopes and subscribed to <c>orders</c>, a protected topic: the
        /// subscriber needs its own subscription scope, as daprd demands. The YAML is parsed rather than matched as
        /// text, so the test keeps working when another app joins the lists.
        /// </summary>
        private static string AdmitToPubSub(string component)
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(component));
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            ((YamlSequenceNode)root["scopes"]).Add(AppId);
            var subscriptions = ((YamlSequenceNode)root["spec"]["metadata"]).Cast<YamlMappingNode>()
                .Single(m => m["name"].ToString() == "subscriptionScopes");
            var value = subscriptions["value"].ToString();
            Assert.DoesNotContain($"{AppId}=", value, StringComparison.Ordinal);
            subscriptions.Children[new YamlScalarNode("value")] = new YamlScalarNode($"{value};{AppId}=orders") { Style = ScalarStyle.DoubleQuoted };
            var written = new StringWriter();
            yaml.Save(written, assignAnchors: false);
            return written.ToString();
        }
    }
}
