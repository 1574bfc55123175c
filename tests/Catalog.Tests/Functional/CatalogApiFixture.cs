using System.Net;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;

namespace Flipkart.Catalog.Tests.Functional;

/// <summary>One seeded catalog for every functional test class: seeding 10,000 products once is enough.</summary>
[CollectionDefinition(Name)]
public sealed class CatalogCollection : ICollectionFixture<CatalogApiFixture>
{
    public const string Name = "catalog";
}

/// <summary>
/// The catalog app behind its sidecar on the <c>local</c> profile, except that <c>catalog-store</c> is typed
/// <c>state.cassandra</c>: no ETags, no transactions, which is the most the catalog may ask of its store. The sidecar
/// requires its API token, as on Kubernetes. The full 10,000-product seed runs once per fixture.
/// </summary>
public sealed class CatalogApiFixture() : ServiceCluster<Program>(AppIds.Catalog)
{
    protected override DaprProfile Profile => DaprProfile.Local("""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: catalog-store
        spec:
          type: state.cassandra
          version: v1
          metadata:
          - name: hosts
            value: 127.0.0.1
        scopes: [catalog]
        """);

    // Every call the catalog makes must carry it (SaveBulkStateAsync does not).
    protected override string? SidecarApiToken => "catalog-functional-tests";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Serilog:MinimumLevel:Override:Flipkart.Catalog.Infrastructure.CatalogLoader"] = "Information",
    };

    /// <summary>The app under test (clients as anyone or as a caller).</summary>
    public CatalogApiFixture App => this;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var client = CreateClient();
        await Eventually.TrueAsync(async () => (await client.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK,
            "the catalog to seed and index", TimeSpan.FromSeconds(180));
    }
}
