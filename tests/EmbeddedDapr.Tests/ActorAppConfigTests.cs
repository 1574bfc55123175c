using System.Text;
using Flipkart.EmbeddedDapr.Actors;

namespace Flipkart.EmbeddedDapr.Tests;

public class ActorAppConfigTests
{
    private static IReadOnlyDictionary<string, ActorTypeSettings> Parse(string json) => ActorAppConfig.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Entities_get_the_top_level_options()
    {
        var types = Parse("""{"entities":["Cart","Order"],"actorIdleTimeout":"0h5m0s0ms","reentrancy":{"enabled":true,"maxStackDepth":8}}""");
        Assert.Equal(new ActorTypeSettings("Cart", TimeSpan.FromMinutes(5), true, 8), types["Cart"]);
        Assert.Equal(new ActorTypeSettings("Order", TimeSpan.FromMinutes(5), true, 8), types["Order"]);
    }

    [Fact]
    public void Missing_options_get_daprds_defaults()
    {
        var types = Parse("""{"entities":["Cart"]}""");
        Assert.Equal(new ActorTypeSettings("Cart", TimeSpan.FromMinutes(60), false, 32), types["Cart"]);
    }

    [Fact]
    public void Entities_config_replaces_options_for_its_types_only()
    {
        var types = Parse("""
            {"entities":["Cart","Order"],"actorIdleTimeout":"1m","reentrancy":{"enabled":false},
             "entitiesConfig":[{"entities":["Order"],"reentrancy":{"enabled":true}}]}
            """);
        Assert.Equal(new ActorTypeSettings("Cart", TimeSpan.FromMinutes(1), false, 32), types["Cart"]);
        Assert.Equal(new ActorTypeSettings("Order", TimeSpan.FromMinutes(60), true, 32), types["Order"]);
    }

    [Fact]
    public void Names_match_case_insensitively_and_a_bad_idle_timeout_keeps_the_default()
    {
        var types = Parse("""{"Entities":["Cart"],"ActorIdleTimeout":"soon"}""");
        Assert.Equal(TimeSpan.FromMinutes(60), types["Cart"].IdleTimeout);
    }

    [Fact]
    public void No_entities_means_no_actors()
    {
        Assert.Empty(Parse("{}"));
        Assert.Empty(Parse("[]"));
    }
}
