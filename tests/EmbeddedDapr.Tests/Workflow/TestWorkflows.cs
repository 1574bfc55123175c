using System.Collections.Concurrent;
using Dapr.Workflow;

namespace Flipkart.EmbeddedDapr.Tests.Workflow;

/// <summary>The workflows and activities the workflow tests register in their app.</summary>
public static class TestWorkflows
{
    /// <summary>Counts activity executions per key, across app restarts.</summary>
    public sealed class Probe
    {
        public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

        public int Hit(string key) => Calls.AddOrUpdate(key, 1, (_, n) => n + 1);

        public int Count(string key) => Calls.GetValueOrDefault(key);

        /// <summary>Held activities wait for this; <see cref="MaxRunning"/> is the most that ran at once.</summary>
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private int running;
        private int maxRunning;

        public int Running => Volatile.Read(ref running);

        public int MaxRunning => Volatile.Read(ref maxRunning);

        public async Task HoldAsync()
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            while (now > (seen = Volatile.Read(ref maxRunning)) && Interlocked.CompareExchange(ref maxRunning, now, seen) != seen)
            {
            }
            try
            {
                await Gate.Task;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }
    }

    public static Action<WorkflowRuntimeOptions> Register(Probe probe) => options =>
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

        options.RegisterWorkflow<string, string>("Parent", async (ctx, name) =>
        {
            var greeting = await ctx.CallChildWorkflowAsync<string>("Greeting", name, new ChildWorkflowTaskOptions($"{ctx.InstanceId}-child"));
            try
            {
                await ctx.CallChildWorkflowAsync<string>("Failing", name, new ChildWorkflowTaskOptions($"{ctx.InstanceId}-failing"));
                return "unexpected";
            }
            catch (WorkflowTaskFailedException ex)
            {
                return greeting + " / child failed: " + ex.FailureDetails.ErrorMessage;
            }
        });
        options.RegisterWorkflow<string, string>("Failing", (ctx, name) => throw new InvalidOperationException($"no stock for {name}"));

        options.RegisterWorkflow<int, int>("Countdown", async (ctx, n) =>
        {
            if (n == 0)
            {
                return 0;
            }
            await ctx.CallActivityAsync<string>("Record", $"round {n}");
            ctx.ContinueAsNew(n - 1);
            return n;
        });

        options.RegisterActivity<string, string>("Held", async (ctx, what) =>
        {
            await probe.HoldAsync();
            return what;
        });
        options.RegisterWorkflow<string, string>("Holding", (ctx, what) => ctx.CallActivityAsync<string>("Held", what));

        options.RegisterActivity<string, string>("Flaky", (ctx, key) =>
        {
            var attempt = probe.Hit("flaky:" + key);
            return attempt < 3 ? throw new InvalidOperationException($"attempt {attempt} failed") : Task.FromResult($"succeeded on attempt {attempt}");
        });
        options.RegisterWorkflow<string, string>("Retrying", (ctx, key) =>
            ctx.CallActivityAsync<string>("Flaky", key, new WorkflowTaskOptions(new WorkflowRetryPolicy(5, TimeSpan.FromSeconds(2)))));
    };
}
