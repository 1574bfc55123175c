using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Flipkart.Gateway.Tests;

public class RateLimitingTests : IAsyncLifetime
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;
    private RecordingSidecar sidecar = null!;
    private GatewayFactory gateway = null!;

    public async ValueTask InitializeAsync()
    {
        sidecar = await RecordingSidecar.StartAsync();
        gateway = new GatewayFactory(sidecar.BaseAddress, new Dictionary<string, string?>
        {
            ["GatewayOptions:AnonymousPermitLimit"] = "3",
            ["GatewayOptions:UserPermitLimit"] = "2",
            // A long window so the limit cannot reset in the middle of a test on a slow machine.
            ["GatewayOptions:RateLimitWindowSeconds"] = "600",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await gateway.DisposeAsync();
        await sidecar.DisposeAsync();
    }

    [Fact]
    public async Task LimitsApplyPerUserAndPerIpWith429RetryAfterAndProblemDetails()
    {
        // Tokens are minted offline: asking the gateway for them would spend the anonymous quota.
        using var anonymous = gateway.CreateClient();
        using var alice = gateway.CreateClient(GatewayFactory.MintToken("alice"));
        using var bob = gateway.CreateClient(GatewayFactory.MintToken("bob"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/catalog/categories", ct)).StatusCode);
        }
        var limited = await anonymous.GetAsync("/api/catalog/categories", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")));
        Assert.InRange(retryAfter, 1, 600);
        Assert.Equal(429, (await limited.Content.ReadFromJsonAsync<ProblemDetails>(ct))!.Status);

        // Signed-in users have their own quota, not the (exhausted) quota of the IP they share.
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/cart", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/cart", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await alice.GetAsync("/api/cart", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/api/cart", ct)).StatusCode);

        // Probes are never limited.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/healthz", ct)).StatusCode);
    }
}

public class ForwardedClientRateLimitingTests
{
    [Fact]
    public async Task BehindATrustedProxyEachForwardedClientGetsItsOwnQuota()
    {
        await using var sidecar = await RecordingSidecar.StartAsync();
        await using var gateway = new GatewayFactory(sidecar.BaseAddress, new Dictionary<string, string?>
        {
            ["GatewayOptions:AnonymousPermitLimit"] = "1",
            ["GatewayOptions:RateLimitWindowSeconds"] = "600",
            ["GatewayOptions:TrustedProxyNetworks:0"] = "10.0.0.0/8",
        });
        _ = gateway.Server; // build the host

        Task<Microsoft.AspNetCore.Http.HttpContext> Send(string client) => gateway.Server.SendAsync(context =>
        {
            context.Request.Method = "GET";
            context.Request.Path = "/api/catalog/categories";
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.1.2.3"); // the ingress
            context.Request.Headers["X-Forwarded-For"] = client;
        }, TestContext.Current.CancellationToken);

        Assert.Equal(200, (await Send("203.0.113.7")).Response.StatusCode);
        Assert.Equal(429, (await Send("203.0.113.7")).Response.StatusCode);
        Assert.Equal(200, (await Send("198.51.100.9")).Response.StatusCode);
    }
}
