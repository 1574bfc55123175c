namespace Flipkart.LoadTest.Cli;

public enum Scenario
{
    Browse,
    Checkout,
    FlashSale,
    Baseline,

    /// <summary>Not a measurement: start the local run with the load-test configuration and keep it up for --gateway runs.</summary>
    Serve,
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

    public int Buyers { get; init; } = 2000;
    public int Units { get; init; } = 200;
    public string? Sku { get; init; }

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

    /// <summary>How long a buyer waits for an order to settle before counting it as unsettled.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int EffectiveConcurrency => Concurrency ?? Scenario switch
    {
        Scenario.FlashSale => Math.Min(Buyers, 100),
        Scenario.Checkout => 32,
        _ => 64,
    };
}
