using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Client;
using Flipkart.Catalog.Domain;
using Flipkart.Catalog.Infrastructure;
using Flipkart.Catalog.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Functional;

[Functional]
[Collection(CatalogCollection.Name)]
public class ProductEditTests(CatalogApiFixture fixture)
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAdminEditIsSavedReindexedAndReplacesTheCachedDetail()
    {
        using var admin = fixture.App.CreateClient("ops-1", "admin");
        const string id = "MOB000005";
        await admin.GetFromJsonAsync<Product>($"/api/catalog/products/{id}", Json, ct); // warm the cache

        var response = await admin.PutAsJsonAsync($"/api/catalog/products/{id}", CatalogApiTests.ValidUpdate(id, 1_234m), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = await admin.GetFromJsonAsync<Product>($"/api/catalog/products/{id}", Json, ct);
        Assert.Equal(("Zorblax Hyperphone Ultra", 1_234m), (detail!.Title, detail.Price));
        var search = await admin.GetFromJsonAsync<SearchResult>("/api/catalog/products?q=zorblax", Json, ct);
        Assert.Equal([id], search!.Items.Select(p => p.Id));
        using var dapr = fixture.Sidecar.CreateDaprClient();
        Assert.Equal(1_234m, (await dapr.GetStateAsync<Product>(DaprComponents.CatalogStore, ProductStore.ProductKey(id), cancellationToken: ct)).Price);
    }


    [Fact]
    public async Task AProductChangedEventFromAnotherReplicaRefreshesThisReplicasIndex()
    {
        const string id = "TVS000009";
        using var dapr = fixture.Sidecar.CreateDaprClient();
        var stored = await dapr.GetStateAsync<Product>(DaprComponents.CatalogStore, ProductStore.ProductKey(id), cancellationToken: ct);
        var edited = stored with { Title = "Quuxotron Cinema Wall", Price = 77_777m, Mrp = 99_999m };

        // What another replica's PUT does: save to the store, then announce on topic `catalog`.
        await dapr.SaveStateAsync(DaprComponents.CatalogStore, ProductStore.ProductKey(id), edited, cancellationToken: ct);
        await dapr.PublishEventAsync(DaprComponents.PubSub, Topics.Catalog,
            new ProductChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, edited.Title, edited.Price, edited.Mrp),
            new Dictionary<string, string> { ["cloudevent.type"] = nameof(ProductChanged) }, ct);

        using var client = fixture.App.CreateClient();
        SearchResult? result = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while ((result = await client.GetFromJsonAsync<SearchResult>("/api/catalog/products?q=quuxotron", Json, timeout.Token))!.Total == 0)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(77_777m, Assert.Single(result.Items).Price);
    }
}
