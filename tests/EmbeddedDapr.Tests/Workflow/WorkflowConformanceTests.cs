using System.Collections.Concurrent;
using Dapr.Workflow;
using Flipkart.EmbeddedDapr.Tests.Conformance;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>
/// Dapr Workflow through the official SDK (<see cref="DaprWorkflowClient"/> and a registered workflow whose worker
/// connects to the sidecar), over the embedded sidecar and daprd.
/// </summary>
public class WorkflowConformanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Counts activity executions per key, across app restarts.</summary>
    private sealed class Probe
    {
        public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

        public int Hit(string key) => Calls.AddOrUpdate(key, 1, (_, n) => n + 1);

        public int Count(string key) => Calls.GetValueOrDefault(key);
    }

    private static Action<WorkflowRuntimeOptions> Register(Probe probe) => options =>
    {
        options.RegisterActivity<string, string>("Greet", (ctx, name) =>
        {
            probe.Hit("greet:" + ctx.InstanceId + ":" + name);
            return Task.FromResult($"Hello, {name}!");
        });
        options.RegisterWorkflow<string, string>("Greeting", async (ctx, name) =>
        {
            var first = await ctx.CallActivityAsync<string>("Greet", name);
            var second = await ctx.CallActivityAsync<string>("Greet", name + " again");
            return first + " " + second;
        });

        options.RegisterActivity<string, string>("Record", (ctx, what) =>
        {
            probe.Hit("record:" + ctx.InstanceId);
            return Task.FromResult(what);
        });
        options.RegisterWorkflow<int, string>("Sleep", async (ctx, seconds) =>
        {
            await ctx.CreateTimer(TimeSpan.FromSeconds(seconds));
            return await ctx.CallActivityAsync<string>("Record", $"woke after {seconds}s");
        });

        options.RegisterWorkflow<string, string>("Approval", async (ctx, _) =>
        {
            try
            {
                var decision = await ctx.WaitForExternalEventAsync<string>("decision", TimeSpan.FromDays(3));
                return "decided: " + decision;
            }
            catch (TaskCanceledException)
            {
                return "timed out";
            }
        });

        options.RegisterActivity<string, string>("Flaky", (ctx, key) =>
        {
            var attempt = probe.Hit("flaky:" + key);
            return attempt < 3 ? throw new InvalidOperationException($"attempt {attempt} failed") : Task.FromResult($"succeeded on attempt {attempt}");
        });
        options.RegisterWorkflow<string, string>("Retrying", (ctx, key) =>
            ctx.CallActivityAsync<string>("Flaky", key, new WorkflowTaskOptions(new WorkflowRetryPolicy(5, TimeSpan.FromSeconds(2)))));
    };

    [Theory, MemberData(nameof(Targets.All), MemberType = typeof(Targets))]
    public async Task A_workflow_runs_its_activities_in_order_and_completes_with_their_result(string target)
    {
        var probe = new Probe();
        await using var harness = await WorkflowHarness.StartAsync(target, Register(probe));
        var id = Sut.Key("greeting");

        await harness.Client.ScheduleNewWorkflowAsync("Greeting", id, "Asha");
        var state = await harness.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("Hello, Asha! Hello, Asha again!", state.ReadOutputAs<string>());
        Assert.Equal(1, probe.Count($"greet:{id}:Asha"));
        Assert.Equal(1, probe.Count($"greet:{id}:Asha again"));
    }
}
