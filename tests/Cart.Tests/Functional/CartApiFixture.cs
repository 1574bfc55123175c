using System.Collections.Concurrent;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cart.Tests.Functional;

/// <summary>
/// The cart app behind its sidecar on the <c>local</c> profile, plus a stub app registered as <c>catalog</c> so price
/// snapshots travel through real Dapr service invocation, and a stand-in <c>ordering</c> that publishes order events.
/// </summary>
public sealed class CartApiFixture() : ServiceCluster<Program>(AppIds.Cart)
{
    // Without the profile's Resiliency, as inventory and payment: on Redis a lost first-write create is a plain store
    // error, which daprd retries and counts towards the store's circuit breaker, so four first adds racing for one new
    // cart can open it (503 for 15 s, for every later test of this fixture). A finding (docs/decisions.md), not a timing.
    protected override DaprProfile Profile => DaprProfile.Local().Without("Resiliency/resiliency");

    /// <summary>What the stub catalog knows; tests add products as they need them.</summary>
    public ConcurrentDictionary<string, (string Title, decimal Price, decimal Mrp)> Products { get; } = new();

    protected override async Task StartStubsAsync()
    {
        await AddStubAsync(AppIds.Catalog, await StubApp.StartAsync(app =>
            app.MapGet("/api/catalog/products/{id}", (string id) =>
                Products.TryGetValue(id, out var p)
                    // Extra fields, as the real catalog sends, must not bother the cart.
                    ? Results.Ok(new { id, title = p.Title, price = p.Price, mrp = p.Mrp, brand = "Acme", rating = 4.2 })
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound))));
        // Publishes OrderConfirmed: the profile's publishing scopes let only ordering publish to "orders".
        await AddStubAsync(AppIds.Ordering, await StubApp.StartAsync(_ => { }));
    }
}
