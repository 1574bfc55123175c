using System.Diagnostics;
using Dapr.Client;
using Flipkart.Catalog.Domain;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// Start-up: waits for the sidecar, seeds the store if it is empty, loads every product and builds the
/// search index. Runs in the background so the app port opens at once (daprd waits for it), and retries
/// with back-off because the sidecar or its store may come up after us.
/// Then it re-reads the store every <see cref="CatalogOptions.IndexRefreshSeconds"/>: ProductChanged events
/// go to one replica of the app-id (Dapr subscribers compete), so this is how every other replica converges.
/// </summary>
public sealed class CatalogLoader(
    DaprClient dapr,
    ProductStore store,
    CatalogIndex index,
    IOptions<CatalogOptions> options,
    ILogger<CatalogLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Until it works: without its index a replica serves nothing, and readiness keeps traffic away meanwhile.
        var starting = Stopwatch.StartNew();
        var untilLoaded = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(_ => !stoppingToken.IsCancellationRequested),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
            OnRetry = retry =>
            {
                // A sidecar still starting is expected for a while (readiness says "not ready" meanwhile); a minute is not.
                logger.Log(starting.Elapsed < TimeSpan.FromMinutes(1) ? LogLevel.Debug : LogLevel.Warning, retry.Outcome.Exception,
                    "Catalog load failed; retrying in {Delay}", retry.RetryDelay);
                return ValueTask.CompletedTask;
            },
        }).Build();
        await untilLoaded.ExecuteAsync(async token => await LoadAsync(token), stoppingToken);

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.IndexRefreshSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await store.GetManifestAsync(stoppingToken) is { } manifest
                    && index.Refresh(await store.LoadAllAsync(manifest, stoppingToken)))
                {
                    logger.LogInformation("Catalog index refreshed from the store");
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Periodic catalog refresh failed; keeping the current index");
            }
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(10));
            await dapr.WaitForSidecarAsync(wait.Token);
        }

        var total = Stopwatch.StartNew();
        var manifest = await store.GetManifestAsync(cancellationToken);
        if (manifest is null && options.Value.SeedWhenEmpty)
        {
            // A fresh store (every local run starts empty): the index is built from the seed while the seed is saved,
            // rather than saved, read back and then built. Ready (and the manifest written) only when both are done.
            var seedTimer = Stopwatch.StartNew();
            var seed = CatalogSeed.Generate(options.Value.SeedProductCount).ToArray();
            var generatedMs = seedTimer.ElapsedMilliseconds;
            var indexing = Task.Run(() => ProductSearchIndex.Build(seed, CatalogSeed.Categories), cancellationToken);
            await store.SeedAsync(seed, cancellationToken);
            var seeded = await indexing;
            index.Publish(seeded);
            logger.LogInformation("Catalog ready: seeded and indexed {ProductCount} products (generated in {GenerateMs} ms, saved and indexed in {SaveMs} ms)",
                seeded.Count, generatedMs, seedTimer.ElapsedMilliseconds - generatedMs);
            return;
        }

        var loadTimer = Stopwatch.StartNew();
        var products = manifest is null ? [] : await store.LoadAllAsync(manifest, cancellationToken);
        var loadMs = loadTimer.ElapsedMilliseconds;
        var built = ProductSearchIndex.Build(products, CatalogSeed.Categories);
        index.Publish(built);
        logger.LogInformation("Catalog ready: {ProductCount} products indexed (load {LoadMs} ms, index {IndexMs} ms, total {TotalMs} ms)",
            built.Count, loadMs, loadTimer.ElapsedMilliseconds - loadMs, total.ElapsedMilliseconds);
    }
}
