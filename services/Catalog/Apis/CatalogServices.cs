using Flipkart.Catalog.Infrastructure;
using Microsoft.Extensions.Options;

namespace Flipkart.Catalog.Apis;

/// <summary>Handler dependencies in one bundle, so handler signatures stay about the request.</summary>
public sealed class CatalogServices(
    CatalogIndex index,
    ProductDetails details,
    ProductStore store,
    IOptions<CatalogOptions> options)
{
    public CatalogIndex Index { get; } = index;
    public ProductDetails Details { get; } = details;
    public ProductStore Store { get; } = store;
    public IOptions<CatalogOptions> Options { get; } = options;
}
