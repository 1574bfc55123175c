using Dapr.Client;
using Flipkart.Catalog.Domain;
using Flipkart.ServiceDefaults;

namespace Flipkart.Catalog.Infrastructure;

/// <summary>
/// Products in the Dapr <c>catalog-store</c>, one key per product plus an id index in chunks and a manifest.
/// Written in that order, the manifest is the commit marker: a seed interrupted half-way leaves no manifest
/// and is simply redone (ids are deterministic, so rewrites are idempotent). No ETags or transactions are
/// used, so a store without them (Cassandra) works unchanged.
/// </summary>
public sealed class ProductStore(DaprClient dapr, ILogger<ProductStore> logger)
{
    private const string Store = DaprComponents.CatalogStore;
    private const string ManifestKey = "catalog-manifest";
    private const int IdChunkSize = 1_000;
    // Bounded so one gRPC message stays well under the default 4 MB limit.
    private const int BulkChunkSize = 250;
    private const int MaxConcurrentBulkCalls = 4;

    public static string ProductKey(string id) => $"product-{id}";

    private static string IdChunkKey(int chunk) => $"catalog-ids-{chunk}";

    public Task<CatalogManifest?> GetManifestAsync(CancellationToken cancellationToken) =>
        dapr.GetStateAsync<CatalogManifest?>(Store, ManifestKey, cancellationToken: cancellationToken);

    public async Task<Product?> GetAsync(string id, CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<Product?>(Store, ProductKey(id), cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<Product>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var chunks = ids.Select(ProductKey).Chunk(BulkChunkSize).ToArray();
        var results = new IReadOnlyList<BulkStateItem<Product>>[chunks.Length];
        await Parallel.ForAsync(0, chunks.Length, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentBulkCalls, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await dapr.GetBulkStateAsync<Product>(Store, chunks[i], parallelism: 16, cancellationToken: ct));

        return results.SelectMany(r => r).Where(item => item.Value is not null).Select(item => item.Value).ToArray();
    }

    public Task SaveAsync(Product product, CancellationToken cancellationToken) =>
        dapr.SaveStateAsync(Store, ProductKey(product.Id), product, cancellationToken: cancellationToken);

    /// <summary>Loads every product named by the manifest's id index.</summary>
    public async Task<IReadOnlyList<Product>> LoadAllAsync(CatalogManifest manifest, CancellationToken cancellationToken)
    {
        var chunkKeys = Enumerable.Range(0, manifest.IdChunks).Select(IdChunkKey).ToArray();
        var idChunks = await dapr.GetBulkStateAsync<string[]>(Store, chunkKeys, parallelism: 8, cancellationToken: cancellationToken);
        var missing = idChunks.Where(c => c.Value is null).Select(c => c.Key).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException($"Catalog id index is incomplete: missing {string.Join(", ", missing)}.");
        }
        var ids = idChunks.SelectMany(c => c.Value).ToArray();
        var products = await GetManyAsync(ids, cancellationToken);
        if (products.Count != ids.Length)
        {
            logger.LogWarning("Catalog index names {Expected} products but the store returned {Actual}", ids.Length, products.Count);
        }
        return products;
    }

    /// <summary>Writes products, then the id index, then the manifest (the commit marker).</summary>
    public async Task<CatalogManifest> SeedAsync(IReadOnlyList<Product> products, CancellationToken cancellationToken)
    {
        // Many keys per SaveState call (daprd hands them to the store's bulk set: a second for 10,000 products instead
        // of ten thousand round trips), a few calls at a time. ETag null: no ETag sent, last write wins.
        var writes = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentBulkCalls, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(products.Chunk(BulkChunkSize), writes,
            async (chunk, ct) => await dapr.SaveBulkStateAsync(Store, chunk.Select(p => new SaveStateItem<Product>(ProductKey(p.Id), p, etag: null!)).ToList(), cancellationToken: ct));

        var idChunks = products.Select(p => p.Id).Chunk(IdChunkSize).ToArray();
        await Parallel.ForEachAsync(idChunks.Select((ids, i) => (ids, i)), writes,
            async (chunk, ct) => await dapr.SaveStateAsync(Store, IdChunkKey(chunk.i), chunk.ids, cancellationToken: ct));

        var manifest = new CatalogManifest(idChunks.Length, products.Count, DateTimeOffset.UtcNow);
        await dapr.SaveStateAsync(Store, ManifestKey, manifest, cancellationToken: cancellationToken);
        return manifest;
    }
}

public sealed record CatalogManifest(int IdChunks, int ProductCount, DateTimeOffset SeededAt);
