using Flipkart.LoadTest;
using Flipkart.LoadTest.Cli;

// The load and flash-sale benchmark: `dotnet run --project tools/LoadTest -- <scenario> [options]`.
if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(CommandLine.Usage);
    return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Passed;
}

if (args[0] == "compare")
{
    return Flipkart.LoadTest.Reporting.CpuComparison.Run(args[1..], Console.Out);
}

LoadTestOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"loadtest: {e.Message}{Environment.NewLine}{Environment.NewLine}{CommandLine.Usage}");
    return ExitCodes.Usage;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop the local run in order instead of leaving services behind
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
return await LoadTestRun.RunAsync(options, stop.Token);
