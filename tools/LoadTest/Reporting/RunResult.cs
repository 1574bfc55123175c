using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Metrics;

namespace Flipkart.LoadTest.Reporting;

/// <summary>Everything one run measured; written as the results JSON and rendered as the summary and the chart.</summary>
public sealed record RunResult
{
    public string Tool { get; init; } = "Flipkart.LoadTest";
    public required string Scenario { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public double WallSeconds { get; set; }
    public required MachineInfo Machine { get; init; }
    public required TargetInfo Target { get; init; }
    public required IReadOnlyDictionary<string, string> Settings { get; init; }
    public List<PhaseResult> Phases { get; } = [];
    public IReadOnlyList<ProcessFootprint> Processes { get; set; } = [];
    /// <summary>Share of all cores busy on the machine during the run, whoever used them.</summary>
    public double? MachineBusyPercent { get; set; }
    /// <summary>Seconds spent in each stage of the scenario (warm-up, waiting room, sale, verification ...), in order.</summary>
    public Dictionary<string, double> Stages { get; } = [];
    public FlashSaleResult? FlashSale { get; set; }
    public ChaosResult? Chaos { get; set; }
    public SoakResult? Soak { get; set; }
    public CheckoutResult? Checkout { get; set; }
    public ComparisonResult? Comparison { get; set; }
    public List<InvariantResult> Invariants { get; } = [];
    public bool Passed => Invariants.All(i => i.Passed);
    public string? Chart { get; set; }
    public List<string> Notes { get; } = [];
}

public sealed record MachineInfo(int ProcessorCount, string Os, string Runtime, double[]? LoadAverageAtStart, double[]? LoadAverageAtEnd)
{
    public static double[]? LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3)
                .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}

public sealed record TargetInfo(string Mode, string Gateway, string Description, double? StartupSeconds, IReadOnlyList<string> Overrides);

public sealed record OperationResult(long Requests, double RequestsPerSecond, LatencySummary? Latency, IReadOnlyDictionary<string, long> StatusCodes);

/// <summary>One measured phase (e.g. the baseline, or the browse mix).</summary>
public sealed record PhaseResult(
    string Name,
    string Target,
    double Seconds,
    int Concurrency,
    double? OfferedRate,
    long Requests,
    double RequestsPerSecond,
    long Errors,
    LatencySummary? Latency,
    IReadOnlyDictionary<string, OperationResult> Operations,
    IReadOnlyDictionary<string, LatencySummary> Durations,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<TimelinePoint> Timeline)
{
    public static PhaseResult From(LoadStats stats, string target, TimeSpan elapsed, int concurrency, double? offeredRate, IEnumerable<string>? counters = null)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-6);
        var requestOps = stats.RequestOperations();
        var statuses = stats.StatusCodes();
        var operations = requestOps.Order(StringComparer.Ordinal).ToDictionary(op => op, op => new OperationResult(
            stats.Requests(op), Math.Round(stats.Requests(op) / seconds, 1), stats.Latency(op), statuses[op]), StringComparer.Ordinal);
        var errors = stats.Errors;
        var durations = new Dictionary<string, LatencySummary>(StringComparer.Ordinal);
        foreach (var name in stats.DurationNames())
        {
            if (stats.Latency(name) is { } summary)
            {
                durations[name] = summary;
            }
        }
        return new PhaseResult(stats.Name, target, Math.Round(seconds, 2), concurrency, offeredRate,
            stats.Requests(), Math.Round(stats.Requests() / seconds, 1), errors, stats.Combined(), operations, durations,
            (counters ?? []).ToDictionary(c => c, stats.Counter, StringComparer.Ordinal), stats.Timeline);
    }
}

public sealed record FlashSaleResult(
    string ProductId,
    decimal UnitPrice,
    int Buyers,
    int Units,
    int Concurrency,
    int BuyersWithOrder,
    int Confirmed,
    int RejectedOutOfStock,
    int OtherCancelled,
    int Unsettled,
    int GaveUp,
    double SaleSeconds,
    double? TimeToSellOutSeconds,
    double? TimeToLastConfirmationSeconds,
    double? ConfirmedOrdersPerSecond,
    double? PostSellOutRejectionsPerSecond,
    double? PostSellOutOrderAttemptsPerSecond,
    LatencySummary? PlaceOrder,
    LatencySummary? BuyDecision,
    LatencySummary? Settled,
    long Retries429,
    long Retries409,
    long RetriesOther,
    StockSnapshot Before,
    StockSnapshot After)
{
    /// <summary>"buy-now" (POST /api/orders/buy-now) or "cart" (cart → POST /api/orders).</summary>
    public string Checkout { get; init; } = "cart";

    /// <summary>How buyers with an order followed it: "stream" (its server-sent events) or "poll" (GET /api/orders/{id}).</summary>
    public string Follow { get; init; } = "poll";

    /// <summary>Buyers turned away by a 409 sold-out answer (no order written).</summary>
    public int SoldOutAnswers { get; init; }
    public int PurchaseLimitAnswers { get; init; }

    /// <summary>The buy decision of buyers turned away by the 409 itself, and of buyers with an order (polled).</summary>
    public LatencySummary? BuyDecisionByAnswer { get; init; }
    public LatencySummary? BuyDecisionPolled { get; init; }

    /// <summary>CPU of every process (sidecars included) from the sale's opening until its last buyer settled, per confirmed order.</summary>
    public CpuCost? SaleCpu { get; init; }

    /// <summary>Buy-now attempts at a fixed rate once the SKU is sold out: their answers, latency and CPU per answer.</summary>
    public SoldOutPhaseResult? SoldOutPhase { get; init; }
}

/// <summary>
/// The open-loop sold-out phase: <paramref name="OfferedRate"/> attempts a second for <paramref name="Seconds"/>; every answer
/// should be a 409 sold out. <paramref name="Dropped"/> attempts could not even start (the tool's in-flight cap).
/// </summary>
public sealed record SoldOutPhaseResult(double OfferedRate, double Seconds, long Attempts, long SoldOutAnswers, long OtherAnswers,
    IReadOnlyDictionary<string, long> OtherAnswersByStatus, long Dropped, double AnswersPerSecond, LatencySummary? Latency, CpuCost Cpu);

/// <summary>What a --chaos run injected and when (seconds on the sale's clock).</summary>
public sealed record ChaosResult(string Scenario, bool PaymentFaults, double? KilledAtSeconds, double? DownSeconds, IReadOnlyList<string> Events);

public sealed record CheckoutResult(int Sessions, int Confirmed, int Cancelled, int Unsettled, int Failed, double OrdersPerSecond, LatencySummary? PlaceOrder, LatencySummary? Settled);

public sealed record ComparisonResult(
    double BaselineRequestsPerSecond,
    double DetailRequestsPerSecond,
    double MixRequestsPerSecond,
    double DetailToBaseline,
    double MixToBaseline,
    double? FixedRate,
    double? BaselineP99AtRateMs,
    double? DetailP99AtRateMs,
    double? AddedP99AtRateMs)
{
    /// <summary>Who drove the closed-loop phases: "load tool" (its own HttpClient) or "wrk"; the fixed-rate phases are always the tool's open loop.</summary>
    public string Client { get; init; } = "load tool";
}

/// <summary>A soak's load, errors and each process's memory over time and growth after the warm-up.</summary>
public sealed record SoakResult(
    double Minutes,
    double WarmupSeconds,
    double GrowthLimitPercent,
    double BrowseRate,
    int CheckoutUsers,
    int CheckoutSessions,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByStatus,
    IReadOnlyList<RssGrowth> Growth,
    IReadOnlyList<RssPoint> Series);
