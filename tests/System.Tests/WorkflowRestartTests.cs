using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Flipkart.DevHost;
using Flipkart.SystemTests.Infrastructure;

namespace Flipkart.SystemTests;

/// <summary>
/// Dapr Workflow's durability through real processes: the workflow sample (tests/WorkflowSample, its own run file)
/// started by DevHost with an embedded sidecar, its app killed outright (SIGKILL) while the workflow waits on a
/// 2-second durable timer, then started again. The instance completes, and its last step runs once.
/// </summary>
[Collection(LocalRunLanes.Lifecycle)]
public sealed class WorkflowRestartTests(ITestOutputHelper log)
{
    private const string AppId = "workflow-sample";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static string SampleRoot => Path.Combine(Repository.Root, "tests", "WorkflowSample");

    [Fact]
    public async Task A_workflow_waiting_on_a_durable_timer_survives_a_kill_of_its_app_and_completes_once()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("DevHost kills with SIGKILL, which is Unix-only.");
        }
        var deliveries = Path.Combine(Directory.CreateTempSubdirectory("workflow-sample-").FullName, "deliveries.log");
        var output = new BufferedRunOutput();
        await using var run = await LocalRun.StartAsync(new LocalRunOptions
        {
            RepositoryRoot = SampleRoot,
            DynamicPorts = true,
            Output = output,
            AppEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                [AppId] = new Dictionary<string, string> { ["WORKFLOW_SAMPLE_LOG"] = deliveries, ["WORKFLOW_SAMPLE_DELAY_SECONDS"] = "2" },
            },
        }, Cancellation);
        var replica = Assert.Single(run.Replicas);
        using var app = new HttpClient { BaseAddress = replica.AppUrl };
        using var sidecar = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{replica.DaprHttpPort}") };
        var id = $"receipt-{Guid.NewGuid():N}";

        var clock = Stopwatch.StartNew();
        using (var started = await app.PostAsync($"/receipts/{id}", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }
        var startedAt = clock.Elapsed;
        await run.KillAsync(AppId);
        var killedAt = clock.Elapsed;

        // Mid-timer: the start returned once the first step had created the timer, the kill followed at once, and
        // the step after the timer has not run.
        Assert.Equal("RUNNING", await StatusAsync(sidecar, id));
        Assert.False(File.Exists(deliveries) && File.ReadAllLines(deliveries).Contains(id), "delivered before the kill");

        var restarted = await run.RestartAsync(AppId, Cancellation);
        var restartedAt = clock.Elapsed;
        Assert.NotEqual(replica.ProcessId, restarted.ProcessId);

        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        string status;
        while ((status = await StatusAsync(sidecar, id)) != "COMPLETED")
        {
            Assert.True(clock.Elapsed < deadline, $"the workflow is still {status} 60 s after the app restarted");
            await Task.Delay(100, Cancellation);
        }
        var completedAt = clock.Elapsed;

        var workflow = JsonNode.Parse(await sidecar.GetStringAsync($"/v1.0/workflows/dapr/{id}", Cancellation))!;
        Assert.Equal($"\"delivered {id}\"", workflow["properties"]!["dapr.workflow.output"]!.ToString());
        var receipt = await app.GetFromJsonAsync<JsonObject>($"/receipts/{id}", Cancellation);
        Assert.Equal("Completed", receipt!["status"]!.ToString());
        Assert.Equal(1, File.ReadAllLines(deliveries).Count(line => line == id));
        log.WriteLine(
            $"started after {startedAt.TotalSeconds:0.00}s (first step done), killed at {killedAt.TotalSeconds:0.00}s, " +
            $"app healthy again at {restartedAt.TotalSeconds:0.00}s, completed at {completedAt.TotalSeconds:0.00}s; delivered once");
    }

    private static async Task<string> StatusAsync(HttpClient sidecar, string id)
    {
        using var response = await sidecar.GetAsync($"/v1.0/workflows/dapr/{id}", Cancellation);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!["runtimeStatus"]!.ToString();
    }
}
