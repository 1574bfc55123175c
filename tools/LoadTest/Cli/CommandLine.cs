using System.Globalization;

namespace Flipkart.LoadTest.Cli;

public static class CommandLine
{
    public const string Usage = """
        Usage: dotnet run --project tools/LoadTest -- <scenario> [options]

        Scenarios:
          browse          anonymous shoppers: search with filters 40%, product detail 50% (Zipf popularity), categories 10%
          checkout        signed-in users: dev-token login, 1-3 items into the cart, order with Idempotency-Key, poll until settled
          flash-sale      one hot SKU with --units K, --buyers N each buying one; then checks the invariants (exit 1 if any fails)
          baseline        a bare Kestrel JSON endpoint hosted by this tool, driven by the same client
          soak            a steady mixed load (browse at --rate, default 100/s, plus --concurrency checkout sessions, default 4)
                          for --minutes; errors by status, each service's memory over time; exit 1 on errors or growth
          serve           start the local run with the load-test configuration and keep it up (Ctrl+C stops it),
                          to run several scenarios against it with --gateway
          compare         compare <before.json> <after.json> [--out chart.png]: two flash sales' CPU per confirmed order
                          by process, as a table and a grouped bar chart (no run)

        Target:
          --gateway <url>            aim at a running system instead of starting the local run
          --profile <name>           component profile of the local run (default local)
          --configuration <c>        build of the services (default Release)
          --no-build                 use the services as already built
          --replicas <n>             processes per app-id (gateway stays single)
          --kafka-partitions <n>     Kafka profiles: partitions of every topic (default 1; daprd's outbox moves one event per
                                     partition per second, so a flash sale on kafka-cassandra needs more)
          --repo <path>              repository root
          --sidecar-rate-limit <n>   gateway sidecar's ratelimit middleware for the run (default 100000 req/s; profile: 1000)
          --gateway-permit-limit <n> gateway per-IP/per-user permits per window for the run (default 1000000)
          --service-log-level <lvl>  services' minimum log level for the run (default Warning; 'default' keeps appsettings)
          --app-env <KEY=VALUE>      extra environment for every service of the local run, repeatable (e.g. DOTNET_gcServer=0)
          --catalog-products <n>     products the catalog seeds (flash-sale default 1000, others the service's 10000; 0 = service default)

        Load:
          --duration <s>             measured seconds per phase (default 15)
          --warmup <s>               unmeasured seconds before each phase (default 3); flash-sale and checkout warm up
                             with a few complete checkouts instead (0 skips)
          --concurrency <n>          workers / buyers in flight (browse, baseline 64; checkout 32; flash-sale min(N, 100))
          --rate <r>                 open loop: r requests/s instead of a closed loop (browse, baseline)
          --compare-baseline         browse: also run baseline and product detail alone, print the ratios and the added p99 at --compare-rate
          --compare-rate <r>         fixed rate for the added-latency comparison (default 1000)
          --client <tool|wrk>        browse: who drives the closed-loop phases (default tool); wrk (apt-get install wrk) is
                             an external client that is not the bottleneck; fixed-rate phases stay with the tool's open loop
          --buyers <n> --units <k>   flash sale size (default 2000 / 200)
          --via-cart                 flash sale through the cart and POST /api/orders (default: POST /api/orders/buy-now)
          --follow <stream|poll>     flash-sale: buyers with an order follow it over its server-sent events (default; polling
                             if the stream drops) or poll GET /api/orders/{id}
          --rehearsals <n>           flash-sale: n rehearsal sales (200 buyers, 60 units, another product) before the sale, so
                             the JIT has recompiled the hot paths (default 3; --warmup 0 measures a cold sale)
          --sold-out-rate <r>        flash sale, after the sell-out: buy-now attempts per second, open loop (default 200)
          --sold-out-seconds <s>     how long that sold-out phase lasts (default 5; 0 skips it; buy-now only)
          --chaos <fault>            flash sale under a fault (local run only), checked with the same invariants:
                                       kill:<app-id>[#n]  SIGKILL that replica 400 ms into the sale (#2 needs --replicas 2)
                                       pubsub:<faults>    the embedded broker's faults during the sale, e.g. duplicate=1,
                                                          reorder=8, delay=100ms, failDeliveries=20, failPublishesFor=3s
                                       invoke:<faults>    calls between services run but their reply is lost, so the
                                                          caller's retry repeats them, e.g. loseEvery=5,
                                                          loseReplies=20,target=inventory, loseRepliesFor=3s
                                       slow-payment       payment 12 s (> 10 s delivery timeout), reservations 4 s
                                       expiry-race        payment 1.5 s racing 1.5 s reservations
          --chaos-restart-after <s>  restart a killed replica after s seconds (default 3; 'none' leaves it down)
          --minutes <m>              soak length (default 5)
          --soak-warmup <s>          soak: seconds before memory growth is measured (default a quarter of the run, at most 60)
          --rss-growth-limit <pct>   soak: fail when a service's memory grows more than this after the warm-up (default 10)
          --sku <productId>          flash sale product (default: a catalog product chosen by --seed)
          --users <n>                checkout: number of user sessions (default: as many as fit in --duration)
          --products <n> --zipf <s>  browse popularity: products and exponent (default 1000, 1.0)
          --seed <n>                 random seed (default 42)
          --settle-timeout <s>       how long an order may take to settle (default 60)

        Output:
          --out <file.json>          results (default artifacts/loadtest/<scenario>-<timestamp>.json); the chart is written next to it (.png)
          --plain                    plain progress lines even on a terminal
        """;

    private static Dictionary<string, string> WithSetting(IReadOnlyDictionary<string, string> settings, string option, string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"{option} needs KEY=VALUE, e.g. DOTNET_gcServer=0.");
        }
        return new Dictionary<string, string>(settings, StringComparer.Ordinal) { [text[..equals]] = text[(equals + 1)..] };
    }

    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("Name a scenario: browse, checkout, flash-sale or baseline.");
        }
        var options = new LoadTestOptions
        {
            Scenario = args[0].ToLowerInvariant() switch
            {
                "browse" => Scenario.Browse,
                "checkout" => Scenario.Checkout,
                "flash-sale" or "flashsale" => Scenario.FlashSale,
                "baseline" => Scenario.Baseline,
                "soak" => Scenario.Soak,
                "serve" => Scenario.Serve,
                _ => throw new ArgumentException($"Unknown scenario '{args[0]}' (browse, checkout, flash-sale, baseline, soak, serve)."),
            },
        };

        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }
                return args[++i];
            }
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} needs a whole number ≥ {min}.");
            double Number(double min) => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && !double.IsInfinity(v)
                ? v : throw new ArgumentException($"{name} needs a number ≥ {min}.");
            TimeSpan? SecondsOrNone()
            {
                var text = Value();
                if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v < 86_400
                    ? TimeSpan.FromSeconds(v) : throw new ArgumentException($"{name} needs seconds ≥ 0 or 'none'.");
            }

            options = name switch
            {
                "--gateway" => options with
                {
                    Gateway = Uri.TryCreate(Value(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                        ? url : throw new ArgumentException("--gateway needs an http(s) URL."),
                },
                "--profile" => options with { Profile = Value() },
                "--configuration" => options with { Configuration = Value() },
                "--no-build" => options with { NoBuild = true },
                "--replicas" => options with { Replicas = Int(1) },
                "--kafka-partitions" => options with { KafkaPartitions = Int(1) },
                "--repo" => options with { RepositoryRoot = Value() },
                "--sidecar-rate-limit" => options with { SidecarRateLimit = Int(1) },
                "--gateway-permit-limit" => options with { GatewayPermitLimit = Int(1) },
                "--service-log-level" => options with { ServiceLogLevel = Value() is var level && level.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : level },
                "--catalog-products" => options with { CatalogProducts = Int(0) },
                "--app-env" => options with { AppEnvironment = WithSetting(options.AppEnvironment, name, Value()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(0.5)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number(0)) },
                "--concurrency" => options with { Concurrency = Int(1) },
                "--rate" => options with { Rate = Number(1) },
                "--compare-baseline" => options with { CompareBaseline = true },
                "--compare-rate" => options with { CompareRate = Number(1) },
                "--client" => options with
                {
                    Client = Value().ToLowerInvariant() switch
                    {
                        "tool" => LoadClientKind.Tool,
                        "wrk" => LoadClientKind.Wrk,
                        _ => throw new ArgumentException("--client is tool or wrk."),
                    },
                },
                "--buyers" => options with { Buyers = Int(1) },
                "--units" => options with { Units = Int(1) },
                "--via-cart" => options with { ViaCart = true },
                "--rehearsals" => options with { Rehearsals = Int(1) },
                "--follow" => options with
                {
                    Follow = Value().ToLowerInvariant() switch
                    {
                        "stream" or "sse" => Scenarios.OrderFollow.Stream,
                        "poll" => Scenarios.OrderFollow.Poll,
                        _ => throw new ArgumentException("--follow is stream or poll."),
                    },
                },
                "--sold-out-rate" => options with { SoldOutRate = Number(1) },
                "--sold-out-seconds" => options with { SoldOutDuration = TimeSpan.FromSeconds(Number(0)) },
                "--chaos" => options with { Chaos = ChaosSpec.Parse(Value()) },
                "--chaos-restart-after" => options with { ChaosRestartAfter = SecondsOrNone() },
                "--minutes" => options with { SoakDuration = TimeSpan.FromMinutes(Number(0.05)) },
                "--soak-warmup" => options with { SoakWarmup = TimeSpan.FromSeconds(Number(0)) },
                "--rss-growth-limit" => options with { RssGrowthLimitPercent = Number(0) },
                "--sku" => options with { Sku = Value() },
                "--users" => options with { Users = Int(1) },
                "--products" => options with { Products = Int(1) },
                "--zipf" => options with { ZipfExponent = Number(0) },
                "--seed" => options with { Seed = Int(0) },
                "--settle-timeout" => options with { SettleTimeout = TimeSpan.FromSeconds(Number(1)) },
                "--out" => options with { Out = Value() },
                "--plain" => options with { Plain = true },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        if (options.CompareBaseline && options.Scenario != Scenario.Browse)
        {
            throw new ArgumentException("--compare-baseline goes with the browse scenario.");
        }
        if (options.Client == LoadClientKind.Wrk && (!options.CompareBaseline || options.Rate is not null))
        {
            throw new ArgumentException("--client wrk goes with browse --compare-baseline (closed loop; wrk has no fixed rate).");
        }
        if (options.Chaos is { } chaos)
        {
            if (options.Scenario != Scenario.FlashSale)
            {
                throw new ArgumentException("--chaos goes with the flash-sale scenario.");
            }
            if (options.Gateway is not null)
            {
                throw new ArgumentException("--chaos needs the local run (it kills processes, sets sidecar faults and service settings); drop --gateway.");
            }
            if (chaos.Kind == ChaosKind.Kill && chaos.ReplicaNumber > options.Replicas)
            {
                throw new ArgumentException($"--chaos {chaos.Text} needs --replicas {chaos.ReplicaNumber} or more.");
            }
        }
        if (options.Scenario == Scenario.Soak && options.EffectiveSoakWarmup >= options.SoakDuration)
        {
            throw new ArgumentException("--soak-warmup must be shorter than the soak (--minutes).");
        }
        return options;
    }
}
