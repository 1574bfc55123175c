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
