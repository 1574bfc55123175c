using Dapr;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.State;

/// <summary>
/// DaprState against the embedded sidecar with each store type's own ETag and error rules: a lost race is false, a
/// failing store is an exception, whatever the store reports each as.
/// </summary>
[Functional]
public sealed class DaprStateTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Store(string name, string type, string extra = "") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: v1
          metadata:
            - name: outboxPublishPubsub
              value: pubsub
            - name: outboxPublishTopic
              value: parcels
        {extra}
        """;

    // What each type requires to start; nothing is contacted (the sidecar keeps the data in memory, with the type's rules).
    private const string RedisHost = "    - name: redisHost\n      value: localhost:6379";
    private const string MySqlConnection = "    - name: connectionString\n      value: root:root@tcp(localhost:3306)/?allowNativePasswords=true";

    private EmbeddedDaprCluster cluster = null!;
    private EmbeddedDaprSidecar sidecar = null!;
    private DaprClient dapr = null!;

    public sealed record Parcel(string Id, int Count);

    public sealed record ParcelCounted(Guid EventId, DateTimeOffset OccurredAt, string ParcelId) : IntegrationEvent(EventId, OccurredAt);

    public static TheoryData<string> Stores => ["in-memory-store", "redis-store", "mysql-store"];

    public async ValueTask InitializeAsync()
    {
        cluster = await EmbeddedDaprCluster.StartAsync(
            Store("in-memory-store", "state.in-memory"), Store("redis-store", "state.redis", RedisHost), Store("mysql-store", "state.mysql", MySqlConnection),
            """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            """);
        sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "kit" }, Ct);
        dapr = sidecar.CreateDaprClient();
    }

    public async ValueTask DisposeAsync()
    {
        dapr.Dispose();
        await cluster.DisposeAsync();
    }

    private static string Key() => $"parcel-{Guid.NewGuid():N}";

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task TryCreate_IsFalse_WhenTheItemExists(string store)
    {
        var parcels = new DaprState<Parcel>(dapr, store);
        var key = Key();

        Assert.True(await parcels.TryCreateAsync(key, new Parcel(key, 1), Ct));
        // Redis and MySQL report this as a plain store error (Internal), in-memory as an ETag mismatch (Aborted).
        Assert.False(await parcels.TryCreateAsync(key, new Parcel(key, 2), Ct));
        Assert.Equal(1, (await parcels.GetAsync(key, Ct))!.Count);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task TryReplace_IsFalse_WhenTheItemChangedSinceItWasRead(string store)
    {
        var parcels = new DaprState<Parcel>(dapr, store);
        var key = Key();
        await parcels.TryCreateAsync(key, new Parcel(key, 1), Ct);
        var (_, etag) = await parcels.GetWithETagAsync(key, Ct);

        Assert.True(await parcels.TryReplaceAsync(key, new Parcel(key, 2), etag, Ct));
        Assert.False(await parcels.TryReplaceAsync(key, new Parcel(key, 3), etag, Ct));
        Assert.False(await parcels.TryDeleteAsync(key, etag, Ct));
        Assert.Equal(2, (await parcels.GetAsync(key, Ct))!.Count);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Update_AppliesEveryConcurrentChange_TakingTurnsInOneProcess(string store)
    {
        var parcels = new DaprState<Parcel>(dapr, store);
        var key = Key();
        var retries = 0;
        var retry = ConcurrencyRetry.Attempts(30, () => Interlocked.Increment(ref retries));

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => parcels.UpdateAsync(key,
            current => (true, (current ?? new Parcel(key, 0)) with { Count = (current?.Count ?? 0) + 1 }), retry, Ct)));

        Assert.Equal(12, (await parcels.GetAsync(key, Ct))!.Count);
        // Not one lost race: each conflict would have counted as a failure towards daprd's store breaker.
        Assert.Equal(0, retries);
    }

    [Fact]
    public async Task Update_GivesUpWithTheConflictType_WhenTheItemKeepsChanging()
    {
        var parcels = new DaprState<Parcel>(dapr, "in-memory-store");
        var key = Key();
        await parcels.TryCreateAsync(key, new Parcel(key, 0), Ct);
        var retries = 0;

        // Every attempt loses: another writer changes the item between this update's read and its write.
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => parcels.UpdateAsync(key, current =>
        {
            dapr.SaveStateAsync("in-memory-store", key, current! with { Count = current.Count + 100 }, cancellationToken: Ct).GetAwaiter().GetResult();
            return (true, current with { Count = current.Count + 1 });
        }, new ConcurrencyRetry(3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), () => retries++), Ct));
        Assert.Equal(3, retries);
    }

    [Fact]
    public async Task TryCreate_Throws_WhenTheStoreFails_InsteadOfReportingALostRace()
    {
        var faults = new DaprCallFaults();
        using var failing = faults.CreateClient(sidecar);
        var parcels = new DaprState<Parcel>(failing, "redis-store");
        var key = Key();
        faults.Fail("SaveState");

        // The key is absent, so the refusal cannot have been a concurrent create: it is an outage (503, a redelivery).
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => parcels.TryCreateAsync(key, new Parcel(key, 1), Ct));
        Assert.True(faults.Failed > 0);
        Assert.Null(await new DaprState<Parcel>(dapr, "redis-store").GetAsync(key, Ct));
    }

    [Fact]
    public async Task Calls_Throw_WhenTheSidecarIsGone()
    {
        var gone = await cluster.StartSidecarAsync(new SidecarOptions { AppId = "kit-gone" }, Ct);
        using var client = gone.CreateDaprClient();
        await gone.StopAsync();
        var parcels = new DaprState<Parcel>(client, "in-memory-store");

        await Assert.ThrowsAsync<DaprException>(() => parcels.TryCreateAsync(Key(), new Parcel("p", 1), Ct));
    }

    [Theory]
    [InlineData("in-memory-store")]
    [InlineData("redis-store")]
    [InlineData("mysql-store")]
    public async Task TryCommit_IsFalse_AndHandsNothingToTheOutbox_WhenTheItemChanged(string store)
    {
        var parcels = new DaprState<Parcel>(dapr, store);
        var key = Key();
        ParcelCounted Counted() => new(Guid.NewGuid(), DateTimeOffset.UtcNow, key);
        long HandOffs() => PubSubModule.Broker(cluster).Counters.Get(topic: "defaultkitparcelsoutbox", appId: "kit").Published;

        Assert.True(await parcels.TryCommitAsync(key, new Parcel(key, 1), "", Counted(), Ct));
        var (_, etag) = await parcels.GetWithETagAsync(key, Ct);
        var winner = Counted();
        Assert.True(await parcels.TryCommitAsync(key, new Parcel(key, 2), etag, winner, Ct));
        var handedOver = HandOffs();
        var loser = Counted();

        // The loser's ETag check fails before any outbox transaction: on Redis (no rollback) a transaction carrying
        // the item and the event would still have handed the loser's event over and landed its marker.
        Assert.False(await parcels.TryCommitAsync(key, new Parcel(key, 3), etag, loser, Ct));

        Assert.Equal(handedOver, HandOffs());
        Assert.Equal(2, (await parcels.GetAsync(key, Ct))!.Count);
        Assert.False(await parcels.EnsurePublishedAsync(key, winner, Ct)); // the winner's event is recorded as published
        Assert.Null(await dapr.GetStateAsync<ParcelCounted?>(store, DaprState<Parcel>.EventKey(key, loser), cancellationToken: Ct));
    }

    [Theory]
    [InlineData("in-memory-store")]
    [InlineData("redis-store")]
    public async Task TryCommit_Throws_WithTheItemSaved_WhenTheBrokerRefusesThePublish_AndTheEventIsReEmittedOnce(string store)
    {
        var parcels = new DaprState<Parcel>(dapr, store);
        var key = Key();
        var counted = new ParcelCounted(Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(-1), key);
        using var http = sidecar.CreateHttpClient();
        (await http.PutAsync("/embedded/pubsub/faults", new StringContent("failPublishes=1"), Ct)).EnsureSuccessStatusCode();
        try
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => parcels.TryCommitAsync(key, new Parcel(key, 1), "", counted, Ct));
        }
        finally
        {
            (await http.PutAsync("/embedded/pubsub/faults", new StringContent(""), Ct)).EnsureSuccessStatusCode();
        }

        // The compare-and-swap committed; the event was not handed over, so the item's next touch re-emits it, once.
        Assert.Equal(1, (await parcels.GetAsync(key, Ct))!.Count);
        Assert.True(await parcels.EnsurePublishedAsync(key, counted, Ct));
        Assert.False(await parcels.EnsurePublishedAsync(key, counted, Ct));
        Assert.Equal(counted.EventId, (await dapr.GetStateAsync<ParcelCounted>(store, DaprState<Parcel>.EventKey(key, counted), cancellationToken: Ct)).EventId);
    }

    [Fact]
    public void Metadata_CarriesTheTimeToLiveInWholeSeconds_AtLeastOne()
    {
        Assert.Null(DaprState<Parcel>.Metadata(null));
        Assert.Equal("2592000", DaprState<Parcel>.Metadata(TimeSpan.FromDays(30))!["ttlInSeconds"]);
        Assert.Equal("1", DaprState<Parcel>.Metadata(TimeSpan.FromMilliseconds(10))!["ttlInSeconds"]);
    }
}
