using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Tests;

/// <summary>Kafka's partitions are a broker setting: <c>num.partitions</c> for every topic, or a topic's own.</summary>
public sealed class KafkaPartitionsTests
{
    [Fact]
    public async Task Topics_get_the_brokers_default_partitions_unless_given_their_own()
    {
        await using var broker = new PubSubBroker(TimeProvider.System);
        Assert.Equal(1, broker.PartitionsOf("pubsub", "orders")); // Kafka's num.partitions default: auto-created topics get 1

        broker.DefaultPartitions = 64;
        broker.SetPartitions("pubsub", "catalog", 3);

        Assert.Equal(64, broker.PartitionsOf("pubsub", "orders"));
        Assert.Equal(64, broker.PartitionsOf("pubsub", "defaultorderingordersoutbox"));
        Assert.Equal(3, broker.PartitionsOf("pubsub", "catalog"));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.DefaultPartitions = 0);
    }
}
