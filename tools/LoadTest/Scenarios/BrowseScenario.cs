using System.Globalization;
using System.Text;
using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// What anonymous shoppers do: search with filters (40%), open a product (50%, popularity Zipf-skewed over the
/// catalog), list categories (10%).
/// </summary>
public sealed class BrowseMix(IReadOnlyList<string> categories, IReadOnlyList<string> productIdsByPopularity, ZipfSampler popularity)
{
    public const double SearchShare = 0.40;
    public const double DetailShare = 0.50;

    private static readonly string[] Queries =
    [
        "samsung phone", "5g smartphone", "gaming laptop", "thin and light laptop", "earbuds", "bluetooth headphones",
        "smart tv", "4k tv", "smartwatch", "tablet", "mirrorless camera", "double door refrigerator",
        "front load washing machine", "inverter ac", "air fryer", "mixer grinder", "cotton kurta", "slim fit shirt",
        "silk saree", "running shoes", "sneakers", "jeans", "oneplus", "boat earbuds", "apple",
    ];

    private static readonly (int Min, int Max)[] PriceBands = [(0, 999), (1_000, 4_999), (5_000, 19_999), (20_000, 59_999), (60_000, 250_000)];
    private static readonly string[] Sorts = ["relevance", "price_asc", "price_desc", "rating", "newest"];

    public (string Operation, string Path) Next(Random random)
    {
        var roll = random.NextDouble();
        if (roll < SearchShare)
        {
            return ("search", SearchPath(random));
        }
        if (roll < SearchShare + DetailShare)
        {
            return ("detail", DetailPath(random));
        }
        return ("categories", "/api/catalog/categories");
    }

    public string DetailPath(Random random) => "/api/catalog/products/" + productIdsByPopularity[popularity.Sample(random)];

    public string SearchPath(Random random)
    {
        var query = new StringBuilder("/api/catalog/products?pageSize=20");
        if (random.NextDouble() < 0.7)
        {
            query.Append("&q=").Append(Uri.EscapeDataString(Queries[random.Next(Queries.Length)]));
        }
        if (random.NextDouble() < 0.4 && categories.Count > 0)
        {
            query.Append("&category=").Append(Uri.EscapeDataString(categories[random.Next(categories.Count)]));
        }
        if (random.NextDouble() < 0.4)
        {
            var (min, max) = PriceBands[random.Next(PriceBands.Length)];
            query.Append(CultureInfo.InvariantCulture, $"&minPrice={min}&maxPrice={max}");
        }
        if (random.NextDouble() < 0.3)
        {
            query.Append("&minRating=").Append(random.Next(3, 5));
        }
        if (random.NextDouble() < 0.5)
        {
            query.Append("&sort=").Append(Sorts[random.Next(Sorts.Length)]);
        }
        if (random.NextDouble() < 0.2)
        {
            query.Append("&page=").Append(random.Next(2, 5));
        }
        return query.ToString();
    }
}

public static class BrowseScenario
{
    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var system = context.RequireSystem();
        var options = context.Options;
        if (options.Client == LoadClientKind.Wrk && WrkRunner.Find() is null)
        {
            throw new InvalidOperationException("--client wrk: wrk is not installed (apt-get install wrk).");
        }
        using var client = new LoadClient(system.GatewayUrl, options.EffectiveConcurrency);
        var api = new ShopApi(client);

        var (categories, products) = await api.DiscoverCatalogAsync(options.Products, cancellationToken).ConfigureAwait(false);
        // Popularity is a shuffled order of the sampled products (by seed), so the hot ones are spread over categories.
        var shuffled = products.Select(p => p.Id).ToArray();
        new Random(options.Seed).Shuffle(shuffled);
        var mix = new BrowseMix(categories, shuffled, new ZipfSampler(shuffled.Length, options.ZipfExponent));
        context.Ui.Info($"browse: {categories.Count} categories, {shuffled.Length} products, Zipf s={options.ZipfExponent}; concurrency {options.EffectiveConcurrency}" +
            (options.Rate is { } r ? $", open loop at {r} req/s" : ", closed loop"));
        var gateway = $"gateway {system.GatewayUrl} → sidecar → catalog";

        if (!options.CompareBaseline)
        {
            await MixPhaseAsync(context, client, mix, "browse", gateway, options.Rate, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var server = await BaselineServer.StartAsync(cancellationToken).ConfigureAwait(false);
        PhaseResult baseline, detail, browse;
        if (options.Client == LoadClientKind.Wrk)
        {
            // The same request sequence for the baseline and the gateway: the baseline serves any id under the same path.
            var random = new Random(options.Seed);
            var detailPaths = Enumerable.Range(0, WrkPaths).Select(_ => mix.DetailPath(random)).ToArray();
            var mixPaths = Enumerable.Range(0, WrkPaths).Select(_ => mix.Next(random).Path).ToArray();
            baseline = await WrkPhaseAsync(context, "baseline", server.Url, $"bare Kestrel at {server.Url} (in the load tool's process)", detailPaths, cancellationToken).ConfigureAwait(false);
            detail = await WrkPhaseAsync(context, "browse: product detail only", system.GatewayUrl, gateway, detailPaths, cancellationToken).ConfigureAwait(false);
            browse = await WrkPhaseAsync(context, "browse: mix", system.GatewayUrl, gateway, mixPaths, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            baseline = await BaselineScenario.RunPhaseAsync(context, server, "baseline", null, cancellationToken).ConfigureAwait(false);
            detail = await DetailPhaseAsync(context, client, mix, "browse: product detail only", gateway, null, cancellationToken).ConfigureAwait(false);
            browse = await MixPhaseAsync(context, client, mix, "browse: mix", gateway, null, cancellationToken).ConfigureAwait(false);
        }

        var rate = options.CompareRate;
        var baselineAtRate = await BaselineScenario.RunPhaseAsync(context, server, $"baseline at {rate:0} req/s", rate, cancellationToken).ConfigureAwait(false);
        var detailAtRate = await DetailPhaseAsync(context, client, mix, $"browse: product detail at {rate:0} req/s", gateway, rate, cancellationToken).ConfigureAwait(false);

        double Ratio(double a, double b) => b > 0 ? Math.Round(a / b, 3) : 0;
        var added = detailAtRate.Latency is { } d && baselineAtRate.Latency is { } b ? Math.Round(d.P99Ms - b.P99Ms, 3) : (double?)null;
        context.Result.Comparison = new ComparisonResult(
            baseline.RequestsPerSecond, detail.RequestsPerSecond, browse.RequestsPerSecond,
            Ratio(detail.RequestsPerSecond, baseline.RequestsPerSecond), Ratio(browse.RequestsPerSecond, baseline.RequestsPerSecond),
            rate, baselineAtRate.Latency?.P99Ms, detailAtRate.Latency?.P99Ms, added)
        {
            Client = options.Client == LoadClientKind.Wrk ? "wrk" : "load tool",
        };
    }

    /// <summary>Requests wrk cycles through (a Zipf sample of 20,000 is plenty to spread over the catalog).</summary>
    private const int WrkPaths = 20_000;

    /// <summary>A closed-loop phase driven by wrk at the run's concurrency: an unmeasured warm-up, then the measured run.</summary>
    private static async Task<PhaseResult> WrkPhaseAsync(RunContext context, string name, Uri url, string target, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var connections = options.EffectiveConcurrency;
        if (options.Warmup > TimeSpan.Zero)
        {
            context.Ui.Info($"{name}: warming up with wrk for {options.Warmup.TotalSeconds:0.#}s ...");
            await WrkRunner.RunAsync(name, url, target, paths, connections, options.Warmup, cancellationToken).ConfigureAwait(false);
        }
        context.Ui.Info($"{name}: wrk, {connections} connections, {options.Duration.TotalSeconds:0.#}s ...");
        var phase = await WrkRunner.RunAsync(name, url, $"{target}; driven by wrk", paths, connections, options.Duration, cancellationToken).ConfigureAwait(false);
        context.Ui.Info($"{name}: {phase.RequestsPerSecond:0} req/s, p50 {phase.Latency?.P50Ms:0.00} ms, p99 {phase.Latency?.P99Ms:0.00} ms, {phase.Errors} errors");
        context.Result.Phases.Add(phase);
        return phase;
    }

    private static Task<PhaseResult> MixPhaseAsync(RunContext context, LoadClient client, BrowseMix mix, string name, string target, double? rate, CancellationToken cancellationToken) =>
        context.RunPhaseAsync(name, target, rate, async (stats, random, scheduledAt, ct) =>
        {
            var (operation, path) = mix.Next(random);
            await client.GetAsync(stats, operation, path, ct, scheduledAt: scheduledAt).ConfigureAwait(false);
        }, cancellationToken);

    private static Task<PhaseResult> DetailPhaseAsync(RunContext context, LoadClient client, BrowseMix mix, string name, string target, double? rate, CancellationToken cancellationToken) =>
        context.RunPhaseAsync(name, target, rate, async (stats, random, scheduledAt, ct) =>
        {
            await client.GetAsync(stats, "detail", mix.DetailPath(random), ct, scheduledAt: scheduledAt).ConfigureAwait(false);
        }, cancellationToken);
}
