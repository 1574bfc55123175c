namespace Flipkart.LoadTest.Cli;

public enum Scenario
{
    Browse,
    Checkout,
    FlashSale,
    Baseline,

    /// <summary>A steady mixed load (browse + checkout) for minutes: errors, and each service's memory over time.</summary>
    Soak,

    /// <summary>Not a measurement: start the local run with the load-test configuration and keep it up for --gateway runs.</summary>
    Serve,
}

/// <summary>Who sends the closed-loop requests of browse: the tool's own HttpClient, or wrk.</summary>
public enum LoadClientKind
{
    Tool,
    Wrk,
}

/// <summary>Everything a run can be told on the command line (see <see cref="CommandLine.Usage"/>).</summary>
public sealed record LoadTestOptions
{
    public Scenario Scenario { get; init; }

    /// <summary>A running system's gateway; null = start the local run.</summary>
    public Uri? Gateway { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Concurrent workers (browse, baseline, checkout) or buyers in flight (flash sale); null = the scenario's default.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Open-loop arrival rate (requests/s) instead of the closed loop.</summary>
    public double? Rate { get; init; }

    public bool CompareBaseline { get; init; }

    /// <summary>The fixed rate at which <c>--compare-baseline</c> also measures added latency (the 1,000 req/s).</summary>
    public double CompareRate { get; init; } = 1000;

    /// <summary>
    /// Browse: who drives the closed-loop phases. The tool's own client tops out below the bare baseline on two cores,
    /// so the ratio to the baseline is the client's; wrk (C, external) is not the bottleneck. The fixed-rate phases stay
    /// with the tool's open loop (wrk has no fixed rate, and Debian has no wrk2).
    /// </summary>
    public LoadClientKind Client { get; init; } = LoadClientKind.Tool;

    /// <summary>Flash sale through the cart and POST /api/orders instead of POST /api/orders/buy-now.</summary>
    public bool ViaCart { get; init; }

    /// <summary>Flash sale: how buyers with an order learn its outcome (their rehearsals too).</summary>
    public Scenarios.OrderFollow Follow { get; init; } = Scenarios.OrderFollow.Stream;

    /// <summary>Flash sale: this many rehearsal sales on another product before the sale (see FlashSaleScenario); --warmup 0 skips them.</summary>
    public int Rehearsals { get; init; } = 3;

    /// <summary>Local run on a Kafka profile: partitions of every topic (DevHost's --kafka-partitions; default 1).</summary>
    public int KafkaPartitions { get; init; } = 1;

    /// <summary>A fault injected during the flash sale; null = none.</summary>
    public ChaosSpec? Chaos { get; init; }

    /// <summary>When a killed replica is started again; null = it stays down.</summary>
    public TimeSpan? ChaosRestartAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Soak: how long the steady load runs.</summary>
    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Soak: the first part of the run, excluded from the memory growth (JIT, caches, pools filling); null = a quarter, at most 60 s.</summary>
    public TimeSpan? SoakWarmup { get; init; }

    /// <summary>Soak: a service whose memory grows more than this (percent) after the warm-up fails the run.</summary>
    public double RssGrowthLimitPercent { get; init; } = 10;

    public TimeSpan EffectiveSoakWarmup => SoakWarmup ?? TimeSpan.FromSeconds(Math.Min(60, SoakDuration.TotalSeconds / 4));

    public int Buyers { get; init; } = 2000;
    public int Units { get; init; } = 200;
    public string? Sku { get; init; }

    /// <summary>Flash sale, after the sell-out: buy-now attempts at a fixed rate (open loop) for this long; zero skips it.</summary>
    public TimeSpan SoldOutDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Sold-out phase: attempts per second, started whatever the answers' latency.</summary>
    public double SoldOutRate { get; init; } = 200;

    /// <summary>Checkout: how many user sessions (login → cart → order → settled) to run; null = as many as fit in the duration.</summary>
    public int? Users { get; init; }

    /// <summary>Browse: how many products popularity is spread over, and the Zipf exponent.</summary>
    public int Products { get; init; } = 1000;
    public double ZipfExponent { get; init; } = 1.0;

    public int Seed { get; init; } = 42;
    public string? Out { get; init; }
    public bool Plain { get; init; }

    // Local run
    public string Profile { get; init; } = "local";
    public string Configuration { get; init; } = "Release";
    public bool NoBuild { get; init; }
    public int Replicas { get; init; } = 1;
    public string? RepositoryRoot { get; init; }
    public int SidecarRateLimit { get; init; } = 100_000;
    public int GatewayPermitLimit { get; init; } = 1_000_000;
    public string? ServiceLogLevel { get; init; } = "Warning";

    /// <summary>Extra environment for every service of the local run (<c>--app-env KEY=VALUE</c>), e.g. DOTNET_gcServer=0.</summary>
    public IReadOnlyDictionary<string, string> AppEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Products the catalog seeds itself with; null = the scenario's default (<see cref="EffectiveCatalogProducts"/>).</summary>
    public int? CatalogProducts { get; init; }

    /// <summary>
    /// The flash sale only needs a few hundred products to choose from, and seeding 10,000 is most of the local run's
    /// start-up: it seeds 1,000. Browsing, checkout and soak keep the full catalog (search cost depends on its size).
    /// 0 = the service's default.
    /// </summary>
    public int? EffectiveCatalogProducts => CatalogProducts switch
    {
        0 => null,
        { } n => n,
        null => Scenario is Scenario.FlashSale ? 1000 : null,
    };

    /// <summary>How long a buyer waits for an order to settle before counting it as unsettled.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int EffectiveConcurrency => Concurrency ?? Scenario switch
    {
        Scenario.FlashSale => Math.Min(Buyers, 100),
        Scenario.Checkout => 32,
        // Soak: checkout sessions in flight beside the browse rate; the load stays steady, not saturating.
        Scenario.Soak => 4,
        _ => 64,
    };
}
