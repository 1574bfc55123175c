using System.Globalization;

namespace Flipkart.DevHost;

/// <summary>DevHost's few options; small enough that a parser library would add more than it saves.</summary>
public static class CommandLine
{
    public const string Usage = """
        Runs the whole shop locally on embedded Dapr sidecars (no Docker, no daprd).

        Usage: dotnet run --project tools/DevHost [-- options]

          --profile <name>     component profile under components/ (default: local)
          --port <n>           the gateway's public port (default: the run file's, 8080; 0 = any free port)
          --replicas <n>       processes and sidecars per app-id (default 1; the gateway stays single)
          --kafka-partitions <n>  Kafka profiles: partitions of every topic (default 1, Kafka's num.partitions;
                               daprd's outbox moves one event per partition per second)
          --fault <f>          sidecar pub/sub fault injection, repeatable or comma-separated: duplicate,
                               reorder, delay, failDeliveries, failPublishes (or name=value, e.g.
                               duplicate=2,reorder=16,delay=20ms,topic=orders,app=ordering); invoke:<f> for
                               service invocation: the callee runs, its reply is lost, the caller retries
                               (e.g. invoke:loseEvery=5 or invoke:loseReplies=3,target=inventory)
          --dynamic-ports      free ports for every app and sidecar instead of the run file's
          --configuration <c>  build configuration of the services (default: Debug)
          --no-build           start what is already built
          --apps <a,b,...>     only these app-ids
          --repo <path>        repository root (default: found from the working directory)
          --no-dashboard       do not start the Aspire dashboard (traces, metrics, logs)
          --verbose            everything: services at Debug, each app's start-up, the dashboard's own output
          --raw-logs           print the services' JSON log lines as they are
          -h, --help           this text
        """;

    public static LocalRunOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LocalRunOptions { Dashboard = true };
        var faults = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Number(int min, int max)
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{arg} must be a whole number from {min} to {max} (got '{text}').");
            }

            options = arg switch
            {
                "--profile" => options with { Profile = Value() },
                "--port" => options with { GatewayPort = Number(0, 65535) },
                "--replicas" => options with { Replicas = Number(1, 16) },
                "--kafka-partitions" => options with { KafkaPartitions = Number(1, 1024) },
                "--dynamic-ports" => options with { DynamicPorts = true },
                "--configuration" or "-c" => options with { Configuration = Value() },
                "--no-build" => options with { SkipBuild = true },
                "--apps" => options with { Apps = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--repo" => options with { RepositoryRoot = Value() },
                "--raw-logs" => options,
                "--no-dashboard" => options with { Dashboard = false },
                "--verbose" or "-v" => options with { Verbose = true },
                "--fault" => AddFaults(options, Value()),
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }
        return options with { Faults = faults };

        LocalRunOptions AddFaults(LocalRunOptions current, string value)
        {
            // invoke:<name=value,...> is one fault with its own comma-separated settings.
            faults.AddRange(value.StartsWith("invoke:", StringComparison.OrdinalIgnoreCase)
                ? [value.Trim()]
                : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            return current;
        }
    }
}
