using Flipkart.DevHost;

namespace Flipkart.SystemTests.DevHost;

public sealed class CommandLineTests
{
    [Fact]
    public void No_arguments_mean_the_documented_local_run()
    {
        var options = CommandLine.Parse([]);

        Assert.Equal("local", options.Profile);
        Assert.Null(options.GatewayPort);
        Assert.Equal(1, options.Replicas);
        Assert.Empty(options.Faults);
        Assert.False(options.DynamicPorts);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var options = CommandLine.Parse(
            ["--profile", "kafka-cassandra", "--port", "9090", "--replicas", "2", "--kafka-partitions", "16", "--fault", "duplicate,reorder", "--fault", "delay",
             "--dynamic-ports", "--configuration", "Release", "--no-build", "--apps", "gateway, catalog", "--repo", "/src/shop"]);

        Assert.Equal("kafka-cassandra", options.Profile);
        Assert.Equal(9090, options.GatewayPort);
        Assert.Equal(2, options.Replicas);
        Assert.Equal(16, options.KafkaPartitions);
        Assert.Equal(["duplicate", "reorder", "delay"], options.Faults);
        Assert.True(options.DynamicPorts);
        Assert.Equal("Release", options.Configuration);
        Assert.True(options.SkipBuild);
        Assert.Equal(["gateway", "catalog"], options.Apps!);
        Assert.Equal("/src/shop", options.RepositoryRoot);
    }

    [Theory]
    [InlineData("--port", "http")]
    [InlineData("--port", "70000")]
    [InlineData("--replicas", "0")]
    [InlineData("--replicas", "-1")]
    [InlineData("--kafka-partitions", "0")]
    [InlineData("--frobnicate", "1")]
    public void A_bad_option_is_refused_naming_it(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => CommandLine.Parse([option, value]));

        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void An_option_without_its_value_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => CommandLine.Parse(["--profile"]));

        Assert.Contains("--profile needs a value", error.Message);
    }
}
