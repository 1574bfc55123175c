using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.IntegrationEvents;
using Microsoft.Extensions.Options;

namespace Flipkart.Catalog.Apis;

/// <summary>Handler dependencies in one bundle, so handler signatures stay about the request.</summary>
public sealed class CatalogServices(
    CatalogIndex index,
    ProductDetails details,
    ProductStore store,
    ProductChangePublisher publisher,
    IOptions<CatalogOptions> options,
    ILogger<CatalogServices> logger)
{
    public CatalogIndex Index { get; } = index;
    public ProductDetails Details { get; } = details;
    public ProductStore Store { get; } = store;
    public ProductChangePublisher Publisher { get; } = publisher;
    public IOptions<CatalogOptions> Options { get; } = options;
    public ILogger<CatalogServices> Logger { get; } = logger;
}
