using System.Net.Http.Json;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Functional;

/// <summary>Catalog without its sidecar: reads of the store are an outage answer (503 with Retry-After), never a 500.</summary>
[Functional]
[Collection(CatalogCollection.Name)]
public sealed class OutageTests(CatalogApiFixture fixture)
{
    [Fact]
    public async Task StoreReads_Answer503WithRetryAfter_WhenTheSidecarIsDown()
    {
        await using var catalog = fixture.WithSidecarDown();
        using var client = catalog.CreateClient();

        // Priced from the store, not the index: needs the sidecar.
        using var batch = await client.PostAsJsonAsync("/api/catalog/products/batch", new { ids = new[] { "MOB000001" } }, TestContext.Current.CancellationToken);
        // The index never loads without the sidecar: the replica answers "starting", also with Retry-After.
        using var search = await client.GetAsync("/api/catalog/products?q=phone", TestContext.Current.CancellationToken);

        await Outage.AssertAnswered503Async(batch);
        await Outage.AssertAnswered503Async(search);
    }
}
