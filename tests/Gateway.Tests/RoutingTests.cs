using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Flipkart.Gateway.Tests;

public class RoutingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/catalog/products/MOB000001", "catalog")]
    [InlineData("/api/cart/items?x=1", "cart")]
    [InlineData("/api/cart", "cart")]
    [InlineData("/api/inventory/skus/MOB000001", "inventory")]
    [InlineData("/api/orders/42", "ordering")]
    [InlineData("/api/orders", "ordering")]
    [InlineData("/api/notifications", "notification")]
    [InlineData("/api/payments/p-1", "payment")]
    [InlineData("/api/fulfilment/shipments/o-1", "fulfilment")]
    public async Task EachPublicPrefixIsInvokedOnItsAppThroughTheGatewaysSidecar(string path, string appId)
    {
        var marker = Guid.NewGuid().ToString("N");
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-route"));
        client.DefaultRequestHeaders.Add("X-Test-Marker", marker);

        var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal(path, forwarded.Path);
        Assert.Equal(appId, forwarded.Header("dapr-app-id"));
    }

    [Fact]
    public async Task AnonymousCatalogReadsAreForwardedWithoutAnIdentity()
    {
        using var client = fixture.Gateway.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/catalog/products?q=samsung%20phone&sort=price_asc");
        request.Headers.Add("X-Test-Marker", marker);
        request.Headers.Add("X-User-Id", "someone-else");
        request.Headers.Add("X-User-Roles", "admin");

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("/api/catalog/products?q=samsung%20phone&sort=price_asc", forwarded.Path);
        Assert.Null(forwarded.Header("X-User-Id"));
        Assert.Null(forwarded.Header("X-User-Roles"));
    }

    [Fact]
    public async Task AnonymousAvailabilityReadsAreForwardedToInventoryWithoutAnIdentity()
    {
        using var client = fixture.Gateway.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/inventory/MOB000001/availability");
        request.Headers.Add("X-Test-Marker", marker);
        request.Headers.Add("X-User-Id", "someone-else");

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("/api/inventory/MOB000001/availability", forwarded.Path);
        Assert.Equal("inventory", forwarded.Header("dapr-app-id"));
        Assert.Null(forwarded.Header("X-User-Id"));
    }

    [Fact]
    public async Task CourierEventsAreForwardedToFulfilmentWithoutAnIdentityAndWithTheirSignature()
    {
        // The courier has no account: fulfilment checks the HMAC signature, so the gateway must pass it on untouched.
        using var client = fixture.Gateway.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/fulfilment/courier-events") { Content = JsonContent.Create(new { eventId = "e-1" }) };
        request.Headers.Add("X-Test-Marker", marker);
        request.Headers.Add("X-Courier-Timestamp", "1764936000");
        request.Headers.Add("X-Courier-Signature", "v1=abcd");
        request.Headers.Add("X-User-Id", "someone-else");

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("fulfilment", forwarded.Header("dapr-app-id"));
        Assert.Equal("v1=abcd", forwarded.Header("X-Courier-Signature"));
        Assert.Equal("1764936000", forwarded.Header("X-Courier-Timestamp"));
        Assert.Null(forwarded.Header("X-User-Id"));
    }

    [Fact]
    public async Task ShipmentsNeedASignedInCustomerEvenThoughCourierEventsDoNot()
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.GetAsync("/api/fulfilment/shipments/o-1", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ClientSentIdentityAndDaprHeadersAreReplacedByTheTokens()
    {
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-42", "customer"));
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cart");
        request.Headers.Add("X-Test-Marker", marker);
        request.Headers.Add("X-User-Id", "victim");
        request.Headers.Add("X-User-Roles", "admin");
        request.Headers.Add("dapr-app-id", "payment");
        request.Headers.Add("dapr-api-token", "guess");

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("u-42", forwarded.Header("X-User-Id"));
        Assert.Equal("customer", forwarded.Header("X-User-Roles"));
        Assert.Equal("cart", forwarded.Header("dapr-app-id"));
        Assert.Null(forwarded.Header("dapr-api-token"));
        Assert.Null(forwarded.Header("Authorization"));
    }

    [Fact]
    public async Task AdminRolesTravelAsACommaSeparatedList()
    {
        using var client = fixture.Gateway.CreateClient(GatewayFactory.MintToken("ops-1", ["admin", "customer"]));
        var marker = Guid.NewGuid().ToString("N");
        client.DefaultRequestHeaders.Add("X-Test-Marker", marker);

        var response = await client.PutAsJsonAsync("/api/catalog/products/MOB000001", new { title = "x" }, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("PUT", forwarded.Method);
        Assert.Equal(["admin", "customer"], forwarded.Header("X-User-Roles")!.Split(',').Order());
    }

    [Fact]
    public async Task AnAppsOwnErrorsPassThroughUnchanged()
    {
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-err"));

        var response = await client.GetAsync("/api/payments/fail", ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("PAYMENT_PROVIDER_DOWN", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task ServiceOpenApiDocumentsAreFetchedFromEachAppThroughDapr()
    {
        using var client = fixture.Gateway.CreateClient();
        var marker = Guid.NewGuid().ToString("N");
        client.DefaultRequestHeaders.Add("X-Test-Marker", marker);

        var response = await client.GetAsync("/openapi/catalog.json", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(fixture.Sidecar.Requests, r => r.Header("X-Test-Marker") == marker);
        Assert.Equal("/openapi/v1.json", forwarded.Path);
        Assert.Equal("catalog", forwarded.Header("dapr-app-id"));
    }

    [Fact]
    public async Task TheGatewaysOwnOpenApiAndTheDocsUiAreServed()
    {
        using var client = fixture.Gateway.CreateClient();

        var document = await client.GetStringAsync("/openapi/gateway.json", ct);
        var docs = await client.GetAsync("/docs", ct);

        Assert.Contains("/api/auth/dev-token", document);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("scalar.js", await docs.Content.ReadAsStringAsync(ct));
        // The UI's script is served by the gateway itself (these machines reach no CDN).
        var script = await client.GetAsync("/docs/scalar.js", ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync(ct)).Length > 10_000);
    }

    [Fact]
    public async Task OrderEventsAreStreamedToTheClientBeforeTheStreamEnds()
    {
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-sse"));

        using var response = await client.GetAsync("/api/orders/o-1/events", HttpCompletionOption.ResponseHeadersRead, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var first = await reader.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct);

        // The sidecar stub keeps the stream open, so this line can only have arrived unbuffered.
        Assert.Equal("event: OrderConfirmed", first);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("notification", fixture.Sidecar.Single("/api/orders/o-1/events").Header("dapr-app-id"));
    }

    [Theory]
    [InlineData("/v1.0/state/catalog-store/catalog-manifest")]
    [InlineData("/v1.0/invoke/payment/method/api/payments")]
    [InlineData("/V1.0/secrets/secretstore/jwt-signing-key")]
    [InlineData("/v1.0-alpha1/workflows/x")]
    [InlineData("/dapr/subscribe")]
    [InlineData("/dapr/config")]
    [InlineData("/actors/ReservationActor/1/method/Expire")]
    [InlineData("/api/unknown")]
    [InlineData("/")]
    public async Task DaprAndUndocumentedPathsAreNotExposed(string path)
    {
        using var client = fixture.Gateway.CreateClient(GatewayFactory.MintToken("u-probe", ["admin"]));
        var before = fixture.Sidecar.Requests.Count;

        var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(fixture.Sidecar.Requests.Skip(before), r => r.Path.StartsWith(path, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task InternalPathsAnswerWithProblemDetails()
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.GetAsync("/v1.0/healthz", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ResponsesCarrySecurityHeadersAndNoServerBanner()
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.GetAsync("/api/catalog/categories", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task OversizedBodiesAreRefusedWith413BeforeReachingAService()
    {
        using var client = fixture.Gateway.CreateClient(await fixture.Gateway.DevTokenAsync("u-big"));
        var before = fixture.Sidecar.Requests.Count;

        var response = await client.PostAsync("/api/cart/items", new StringContent(new string('x', 65 * 1024), System.Text.Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(ct);
        Assert.Equal(413, problem!.Status);
        Assert.Equal(before, fixture.Sidecar.Requests.Count);
    }

    [Fact]
    public async Task OverLongQueryStringsAreRefusedWith400()
    {
        using var client = fixture.Gateway.CreateClient();

        var response = await client.GetAsync("/api/catalog/products?q=" + new string('a', 10 * 1024), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
