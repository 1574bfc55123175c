using Flipkart.Ordering.Domain;
using Flipkart.Ordering.Services;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Services;

[Unit]
public sealed class IdempotentRequestsTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryIdempotencyStore store = new();
    private readonly IdempotentRequests requests;

    public IdempotentRequestsTests()
    {
        var options = new OrderingOptions { IdempotencyLease = TimeSpan.FromSeconds(30), IdempotencyRetention = TimeSpan.FromHours(24) };
        requests = new IdempotentRequests(store, time, new StaticOptions(options), NullLogger<IdempotentRequests>.Instance);
    }

    private Task<IdempotentRequests.ClaimResult> Claim(string fingerprint, string key = "key-1", string user = "user-1") =>
        requests.ClaimAsync(user, key, fingerprint, CancellationToken.None);

    [Fact]
    public async Task ClaimAsync_OwnsTheKey_OnFirstUse()
    {
        var claim = await Claim("fp");
        Assert.IsType<IdempotentRequests.Owned>(claim);
    }

    [Fact]
    public async Task ClaimAsync_ReplaysTheStoredResponse_WhenCompletedWithTheSameBody()
    {
        var owned = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));
        await requests.CompleteAsync(owned, 202, """{"orderId":"x"}""", "/api/orders/x", CancellationToken.None);
        time.Advance(TimeSpan.FromHours(23));

        var replay = Assert.IsType<IdempotentRequests.Replay>(await Claim("fp"));

        Assert.Equal(202, replay.Record.StatusCode);
        Assert.Equal("""{"orderId":"x"}""", replay.Record.ResponseBody);
        Assert.Equal("/api/orders/x", replay.Record.Location);
    }

    [Fact]
    public async Task ClaimAsync_Rejects422_WhenTheKeyIsReusedWithAnotherBody()
    {
        var owned = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));
        await requests.CompleteAsync(owned, 202, "{}", null, CancellationToken.None);

        var rejected = Assert.IsType<IdempotentRequests.Rejected>(await Claim("different"));
        Assert.Equal(IdempotencyOutcome.FingerprintMismatch, rejected.Outcome);
    }

    [Fact]
    public async Task ClaimAsync_Rejects409_WhileTheFirstRequestIsInFlight()
    {
        Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));

        var rejected = Assert.IsType<IdempotentRequests.Rejected>(await Claim("fp"));
        Assert.Equal(IdempotencyOutcome.InFlight, rejected.Outcome);
    }

    [Fact]
    public async Task ClaimAsync_TakesOver_WhenTheInFlightLeaseExpired()
    {
        var first = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));
        time.Advance(TimeSpan.FromSeconds(31));

        var second = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));

        Assert.NotEqual(first.Record.ClaimId, second.Record.ClaimId);
    }

    [Fact]
    public async Task ClaimAsync_RunsAgain_AfterRetentionExpired()
    {
        var owned = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));
        await requests.CompleteAsync(owned, 202, "{}", null, CancellationToken.None);
        time.Advance(TimeSpan.FromHours(24));

        Assert.IsType<IdempotentRequests.Owned>(await Claim("other body is fine once the key expired"));
    }

    [Fact]
    public async Task ReleaseAsync_FreesTheKey_SoAFailedRequestCanBeRetried()
    {
        var owned = Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));

        await requests.ReleaseAsync(owned, CancellationToken.None);

        Assert.Equal(0, store.Count);
        Assert.IsType<IdempotentRequests.Owned>(await Claim("fp"));
    }

    [Fact]
    public async Task ClaimAsync_ScopesKeysPerUser()
    {
        Assert.IsType<IdempotentRequests.Owned>(await Claim("fp", user: "alice"));
        Assert.IsType<IdempotentRequests.Owned>(await Claim("fp", user: "bob"));
    }

    [Fact]
    public async Task ClaimAsync_LetsExactlyOneOfManyConcurrentRequestsOwnTheKey()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Claim("fp"))));

        Assert.Single(claims.OfType<IdempotentRequests.Owned>());
        Assert.All(claims.OfType<IdempotentRequests.Rejected>(), r => Assert.Equal(IdempotencyOutcome.InFlight, r.Outcome));
    }

    private sealed class StaticOptions(OrderingOptions value) : IOptionsMonitor<OrderingOptions>
    {
        public OrderingOptions CurrentValue => value;
        public OrderingOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<OrderingOptions, string?> listener) => null;
    }
}
