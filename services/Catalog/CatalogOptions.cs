using System.ComponentModel.DataAnnotations;
using Flipkart.Catalog.Domain;

namespace Flipkart.Catalog;

public sealed class CatalogOptions
{
    /// <summary>Seed the store with the generated catalog when it holds none.</summary>
    public bool SeedWhenEmpty { get; set; } = true;

    [Range(0, 1_000_000)]
    public int SeedProductCount { get; set; } = CatalogSeed.DefaultProductCount;

    [Range(1, 10_000)]
    public int MaxQueryLength { get; set; } = 200;

    [Range(1, 1_000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 1_000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>Deep pages cost a full sort for nothing a shopper reads; past this, narrow the search.</summary>
    [Range(1, 100_000)]
    public int MaxPage { get; set; } = 500;

    [Range(1, 1_000)]
    public int MaxBatchIds { get; set; } = 100;

    /// <summary>How long product detail lives in the shared Dapr <c>cache</c> store.</summary>
    [Range(1, 86_400)]
    public int DetailCacheSeconds { get; set; } = 300;

    /// <summary>How long product detail lives in each replica's memory; short, as other replicas' edits only reach it by event.</summary>
    [Range(1, 3_600)]
    public int DetailLocalCacheSeconds { get; set; } = 30;

    /// <summary>How often each replica re-reads the store to pick up edits whose event went to another replica.</summary>
    [Range(5, 86_400)]
    public int IndexRefreshSeconds { get; set; } = 300;

    public SearchLimits SearchLimits => new(MaxQueryLength, DefaultPageSize, MaxPageSize, MaxPage);
}
