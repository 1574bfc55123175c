using System.Collections.Concurrent;
using System.Text.Json;
using Dapr.Client;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.Hosting;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>At-least-once delivery at volume, with duplicate and reorder faults, to two apps of two replicas each.</summary>
public sealed class PubSubLoadTests
{
    private const int Events = 10_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record StockChanged(int Sequence);

    [Fact]
    public async Task Every_app_sees_every_event_and_dedup_by_id_processes_each_exactly_once_under_duplicates_and_reordering()
    {
        var options = new EmbeddedDaprClusterOptions();
        options.ResourceYaml.Add("""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec:
              type: pubsub.redis
              version: v1
              metadata:
                - name: redisHost
                  value: localhost:6379
                - name: concurrency
                  value: "8"
            """);
        await using var cluster = await EmbeddedDaprCluster.StartAsync(options, Ct);
        var broker = PubSubModule.Broker(cluster);
        broker.Faults.Set(new PubSubFaults { DuplicateDeliveries = 1, ReorderWindow = 64, Seed = 42 });

        var consumers = new[] { new Consumer("inventory"), new Consumer("notification") };
        var apps = new List<SubscriberApp>();
        try
        {
            foreach (var consumer in consumers)
            {
                for (var replica = 0; replica < 2; replica++)
                {
                    var replicaName = $"{consumer.AppId}-{replica}";
                    var app = await SubscriberApp.StartAsync(
                        (web, _) =>
                        {
                            web.MapGet("/dapr/subscribe", () => """[{"pubsubname":"pubsub","topic":"stock","route":"/stock"}]""");
                            web.MapPost("/stock", (Delegate)(async (HttpContext context) =>
                            {
                                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                                consumer.Handle(replicaName, document.RootElement);
                                return Results.Ok();
                            }));
                        },
                        useDaprAspNetCore: false);
                    apps.Add(app);
                    var sidecar = await cluster.StartSidecarAsync(new SidecarOptions { AppId = consumer.AppId, AppBaseUrl = app.Url }, Ct);
                    await sidecar.WaitForAppReadyAsync(Ct);
                }
            }

            using var dapr = (await cluster.StartSidecarAsync(new SidecarOptions { AppId = "catalog" }, Ct)).CreateDaprClient();
            for (var batch = 0; batch < Events / 1000; batch++)
            {
                var events = Enumerable.Range(batch * 1000, 1000).Select(i => new StockChanged(i)).ToList();
                var response = await dapr.BulkPublishEventAsync("pubsub", "stock", events, cancellationToken: Ct);
                Assert.Empty(response.FailedEntries);
            }

            Assert.True(await broker.WaitForIdleAsync(TimeSpan.FromSeconds(60), Ct), "deliveries did not settle");
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }

        foreach (var consumer in consumers)
        {
            Assert.Equal(Enumerable.Range(0, Events), consumer.Processed.Keys.Order());
            Assert.All(consumer.Processed.Values, times => Assert.Equal(1, times));
            Assert.Equal(2 * Events, consumer.Received); // every message arrived twice (duplicate fault)
            Assert.True(consumer.ByReplica.Count == 2 && consumer.ByReplica.Values.All(n => n > 0), "both replicas should compete for messages");
            Assert.True(consumer.OutOfOrder > 0, "reordering should be visible to the consumer");
            Assert.Equal(2 * Events, broker.Counters.Get("stock", consumer.AppId).Delivered);
        }
    }

    /// <summary>An idempotent consumer shared by the replicas of one app id (as a shared state store would be).</summary>
    private sealed class Consumer(string appId)
    {
        private readonly ConcurrentDictionary<string, int> _seenIds = new();
        private int _received;
        private int _lastSequence = -1;
        private int _outOfOrder;

        public string AppId { get; } = appId;

        public ConcurrentDictionary<int, int> Processed { get; } = new();

        public ConcurrentDictionary<string, int> ByReplica { get; } = new();

        public int Received => Volatile.Read(ref _received);

        public int OutOfOrder => Volatile.Read(ref _outOfOrder);

        public void Handle(string replica, JsonElement cloudEvent)
        {
            Interlocked.Increment(ref _received);
            ByReplica.AddOrUpdate(replica, 1, (_, n) => n + 1);
            var sequence = cloudEvent.GetProperty("data").GetProperty("sequence").GetInt32();
            if (Interlocked.Exchange(ref _lastSequence, sequence) > sequence)
            {
                Interlocked.Increment(ref _outOfOrder);
            }

            // Deduplicate by CloudEvent id: only the first delivery of an id does the work.
            if (_seenIds.TryAdd(cloudEvent.GetProperty("id").GetString()!, 0))
            {
                Processed.AddOrUpdate(sequence, 1, (_, n) => n + 1);
            }
        }
    }
}
