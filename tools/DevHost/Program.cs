using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Flipkart.DevHost;
using Flipkart.DevHost.Output;

// The zero-install local run: `dotnet run --project tools/DevHost [-- options]`.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}

LocalRunOptions options;
try
{
    options = CommandLine.Parse(args) with { Output = new ConsoleRunOutput(rawLogs: args.Contains("--raw-logs")) };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"devhost: {e.Message}{Environment.NewLine}{Environment.NewLine}{CommandLine.Usage}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // shut down in order instead of dying with the children still up
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var clock = Stopwatch.StartNew();
LocalRun run;
try
{
    run = await LocalRun.StartAsync(options, stop.Token);
}
catch (DevHostException e)
{
    options.Output.Progress($"FAILED: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    options.Output.Progress("start-up cancelled; everything stopped.");
    return 130;
}

await using (run)
{
    var url = run.HasGateway ? run.GatewayUrl.ToString().TrimEnd('/') : null;
    var lines = new List<string>
    {
        "",
        $"Flipkart.Dapr is up in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s " +
        $"(profile {run.Profile}, {run.Replicas.Count} process(es): {string.Join(", ", run.AppIds)})",
    };
    if (run.Skipped.Count > 0)
    {
        lines.Add($"Not started: {string.Join("; ", run.Skipped)}");
    }
    if (url is not null)
    {
        lines.AddRange(
        [
            "",
            $"  Gateway:     {url}      API docs: {url}/docs",
            .. run.HasStorefront ? [$"  Storefront:  {run.StorefrontUrl.ToString().TrimEnd('/')}      (the shop in a browser; sign in as a demo user)"] : Array.Empty<string>(),
            .. run.Dashboard is { } dashboard ? [$"  Dashboard:   {dashboard.Url.ToString().TrimEnd('/')}     (traces, metrics and logs of every app and sidecar)"] : Array.Empty<string>(),
            "",
            "  Try:",
            $"    curl -s '{url}/api/catalog/products?q=samsung%20phone&sort=price_asc&pageSize=5'",
            $"    curl -s '{url}/api/catalog/categories'",
            $"    curl -s -X POST {url}/api/auth/dev-token -H 'Content-Type: application/json' -d '{{\"userId\":\"asha\",\"roles\":[\"customer\"]}}'",
            "",
        ]);
    }
    lines.Add("Press Ctrl+C to stop.");
    foreach (var line in lines)
    {
        options.Output.Progress(line);
    }

    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}
options.Output.Progress("stopped.");
return 0;
