using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>The bare Kestrel baseline, driven like the product-detail requests of browse: same client, same concurrency, Zipf ids.</summary>
public static class BaselineScenario
{
    public static async Task RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        await using var server = await BaselineServer.StartAsync(cancellationToken).ConfigureAwait(false);
        await RunPhaseAsync(context, server, "baseline", context.Options.Rate, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<PhaseResult> RunPhaseAsync(RunContext context, BaselineServer server, string name, double? rate, CancellationToken cancellationToken)
    {
        using var client = new LoadClient(server.Url, context.Options.EffectiveConcurrency);
        var ids = Enumerable.Range(1, context.Options.Products).Select(i => $"BAS{i:000000}").ToArray();
        var zipf = new ZipfSampler(ids.Length, context.Options.ZipfExponent);
        return await context.RunPhaseAsync(name, $"bare Kestrel at {server.Url} (in the load tool's process)", rate,
            async (stats, random, scheduledAt, ct) =>
            {
                await client.GetAsync(stats, "detail", BaselineServer.ProductPath + ids[zipf.Sample(random)], ct, scheduledAt: scheduledAt).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
    }
}
