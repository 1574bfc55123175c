using Flipkart.EmbeddedDapr.Errors;
using Flipkart.EmbeddedDapr.Faults;
using Flipkart.EmbeddedDapr.PubSub;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class FaultsTests : IAsyncLifetime
{
    private readonly PubSubBroker _broker = new(TimeProvider.System);
    private PubSubPublisher _publisher = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _broker.AddComponent(PubSubTestData.Component("pubsub", "pubsub.kafka", ("consumeRetryEnabled", "false")));
        _publisher = new PubSubPublisher(_broker, TimeProvider.System);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _broker.DisposeAsync();

    private Task Publish(int n, string topic = "orders") =>
        _publisher.PublishAsync("publisher", "pubsub", topic, PubSubTestData.Json($$"""{"n":{{n}}}"""), "application/json", PubSubTestData.NoMetadata, null, null, Ct);

    private async Task Settle() => Assert.True(await _broker.WaitForIdleAsync(TimeSpan.FromSeconds(10), Ct));

    private static List<int> Numbers(FakeSubscriber app) => app.Events().Select(e => e.GetProperty("data").GetProperty("n").GetInt32()).ToList();

    [Fact]
    public async Task Duplicate_delivers_every_message_the_extra_number_of_times_with_the_same_id()
    {
        var app = new FakeSubscriber("a", "a-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        _broker.Faults.Set(new PubSubFaults { DuplicateDeliveries = 2 });

        await Publish(1);
        await Settle();

        var ids = app.Events().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task Reorder_shuffles_a_topic_while_every_message_still_arrives()
    {
        var app = new FakeSubscriber("a", "a-0");
        _broker.Faults.Set(new PubSubFaults { ReorderWindow = 50, Seed = 3 });
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        _broker.DetachReplica(app); // hold messages so the whole batch is queued before delivery starts

        for (var i = 0; i < 50; i++)
        {
            await Publish(i);
        }

        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        await Settle();

        var received = Numbers(app);
        Assert.Equal(Enumerable.Range(0, 50), received.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), received);
    }

    [Fact]
    public async Task Without_faults_a_sequential_broker_keeps_publish_order()
    {
        var app = new FakeSubscriber("a", "a-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);

        for (var i = 0; i < 50; i++)
        {
            await Publish(i);
        }

        await Settle();
        Assert.Equal(Enumerable.Range(0, 50), Numbers(app));
    }

    [Fact]
    public async Task Fail_first_deliveries_fails_without_reaching_the_app()
    {
        var app = new FakeSubscriber("a", "a-0");
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        _broker.Faults.Set(new PubSubFaults { FailFirstDeliveries = 2 });

        for (var i = 0; i < 4; i++)
        {
            await Publish(i);
        }

        await Settle();
        Assert.Equal([2, 3], Numbers(app)); // kafka with consumeRetryEnabled false skips the two failed ones
        Assert.Equal(2, _broker.Counters.Get("orders", "a").Failed);
    }

    [Fact]
    public async Task Delay_holds_each_delivery_back()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var deliveredAfter = TimeSpan.Zero;
        var app = new FakeSubscriber("a", "a-0", _ =>
        {
            deliveredAfter = clock.Elapsed;
            return DeliveryOutcome.Success;
        });
        _broker.AttachReplica(app, [PubSubTestData.Subscription("orders")]);
        _broker.Faults.Set(new PubSubFaults { DeliveryDelay = TimeSpan.FromMilliseconds(300) });

        await Publish(1);
        await Settle();

        Assert.Single(app.Received);
        // Timers may fire a few ms early against the stopwatch (coarse timer ticks): allow that much, no more.
        Assert.True(deliveredAfter >= TimeSpan.FromMilliseconds(280), $"delivered after {deliveredAfter.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Fail_publishes_fails_the_next_n_publishes_as_internal()
    {
        _broker.Faults.Set(new PubSubFaults { FailPublishes = 2 });

        var first = await Assert.ThrowsAsync<DaprApiException>(() => Publish(1));
        await Assert.ThrowsAsync<DaprApiException>(() => Publish(2));
        await Publish(3);

        Assert.Equal((Grpc.Core.StatusCode.Internal, "DAPR_PUBSUB_PUBLISH_MESSAGE"), (first.GrpcCode, first.Reason));
        Assert.StartsWith("error when publishing to topic orders in pubsub pubsub:", first.Message);
        Assert.Equal((1L, 2L), (_broker.Counters.Get("orders").Published, _broker.Counters.Get("orders").PublishFailed));
    }

    [Fact]
    public async Task Fail_publishes_for_a_window_follows_the_cluster_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var broker = new PubSubBroker(clock);
        broker.AddComponent(PubSubTestData.Component());
        var publisher = new PubSubPublisher(broker, clock);
        broker.Faults.Set(PubSubFaults.Parse("failPublishesFor=10s", clock));
        Task Send() => publisher.PublishAsync("p", "pubsub", "t", "{}"u8.ToArray(), "application/json", PubSubTestData.NoMetadata, null, null, Ct);

        await Assert.ThrowsAsync<DaprApiException>(Send);
        clock.Advance(TimeSpan.FromSeconds(11));
        await Send();
    }

    [Fact]
    public async Task Faults_can_be_narrowed_to_one_topic_and_app()
    {
        var a = new FakeSubscriber("a", "a-0");
        var b = new FakeSubscriber("b", "b-0");
        _broker.AttachReplica(a, [PubSubTestData.Subscription("orders"), PubSubTestData.Subscription("payments")]);
        _broker.AttachReplica(b, [PubSubTestData.Subscription("orders")]);
        _broker.Faults.Set(new PubSubFaults { DuplicateDeliveries = 1, Topic = "orders", AppId = "a" });

        await Publish(1, "orders");
        await Publish(2, "payments");
        await Settle();

        Assert.Equal([1, 1, 2], Numbers(a).Order());
        Assert.Equal([1], Numbers(b));
    }

    [Fact]
    public void The_devhost_flag_form_parses_every_fault()
    {
        var faults = PubSubFaults.Parse("duplicate=1, delay=50ms, reorder=8, failDeliveries=3, failPublishes=2, topic=orders, app=ordering, seed=9");

        Assert.Equal(
            new PubSubFaults { DuplicateDeliveries = 1, DeliveryDelay = TimeSpan.FromMilliseconds(50), ReorderWindow = 8, FailFirstDeliveries = 3, FailPublishes = 2, Topic = "orders", AppId = "ordering", Seed = 9 },
            faults);
        Assert.Throws<FormatException>(() => PubSubFaults.Parse("explode=1"));
        Assert.Throws<FormatException>(() => PubSubFaults.Parse("duplicate=-1"));
    }

    [Fact]
    public void Faults_are_off_by_default()
    {
        Assert.True(_broker.Faults.Current.IsEmpty);
        Assert.True(new PubSubFaults().IsEmpty);
        Assert.False(new PubSubFaults { ReorderWindow = 2 }.IsEmpty);
    }

    [Fact]
    public void Reset_turns_every_fault_off()
    {
        _broker.Faults.Set(new PubSubFaults { FailPublishes = 5 });
        _broker.Faults.Reset();

        Assert.False(_broker.Faults.ShouldFailPublish("orders"));
    }

}
