using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class PubSubSubscriptionParserTests
{
    [Fact]
    public void V1_route_becomes_the_only_rule()
    {
        var subs = SubscriptionParser.ParseProgrammatic("""[{"pubsubname":"pubsub","topic":"orders","route":"orders","deadLetterTopic":"poison","metadata":{"rawPayload":"true"}}]"""u8);

        var sub = Assert.Single(subs);
        Assert.Equal(("pubsub", "orders", "poison"), (sub.PubsubName, sub.Topic, sub.DeadLetterTopic));
        var rule = Assert.Single(sub.Rules);
        Assert.Null(rule.Match);
        Assert.Equal("orders", rule.Path);
        Assert.True(sub.RawPayload);
    }

    [Fact]
    public void Field_names_match_case_insensitively_as_the_sdk_writes_them()
    {
        var subs = SubscriptionParser.ParseProgrammatic("""[{"PubsubName":"pubsub","TOPIC":"orders","Route":"r","DEADLETTERTOPIC":"d"}]"""u8);

        var sub = Assert.Single(subs);
        Assert.Equal(("pubsub", "orders", "d"), (sub.PubsubName, sub.Topic, sub.DeadLetterTopic));
    }

    [Fact]
    public void V2_rules_keep_their_order_and_default_comes_last_replacing_route()
    {
        var subs = SubscriptionParser.ParseProgrammatic("""
            [{"pubsubName":"pubsub","topic":"orders","route":"ignored",
              "routes":{"rules":[{"match":"event.type == \"A\"","path":"a"},{"match":"event.type == \"B\"","path":"b"}],"default":"other"}}]
            """u8);

        var rules = Assert.Single(subs).Rules;
        Assert.Equal(["a", "b", "other"], rules.Select(r => r.Path));
        Assert.Equal("event.type == \"A\"", rules[0].Match!.Source);
        Assert.Null(rules[2].Match);
    }

    [Fact]
    public void Rules_without_a_default_fall_back_to_route()
    {
        var subs = SubscriptionParser.ParseProgrammatic("""[{"pubsubName":"p","topic":"t","route":"r","routes":{"rules":[{"match":"event.type == \"A\"","path":"a"}]}}]"""u8);

        Assert.Equal(["a", "r"], Assert.Single(subs).Rules.Select(r => r.Path));
    }

    [Fact]
    public void An_entry_without_any_route_is_discarded()
    {
        Assert.Empty(SubscriptionParser.ParseProgrammatic("""[{"pubsubName":"p","topic":"t"}]"""u8));
    }

    [Fact]
    public void An_empty_match_is_a_catch_all_rule()
    {
        var subs = SubscriptionParser.ParseProgrammatic("""[{"pubsubName":"p","topic":"t","routes":{"rules":[{"match":"  ","path":"a"}]}}]"""u8);

        Assert.Null(Assert.Single(Assert.Single(subs).Rules).Match);
    }

    [Fact]
    public void An_unsupported_match_aborts_loading_naming_the_expression()
    {
        var ex = Assert.Throws<CelParseException>(() => SubscriptionParser.ParseProgrammatic(
            """[{"pubsubName":"p","topic":"t","routes":{"rules":[{"match":"event.type.startsWith(\"A\")","path":"a"}]}}]"""u8));

        Assert.Contains("event.type.startsWith(\"A\")", ex.Message);
    }

    [Fact]
    public void Bulk_subscribe_is_refused_rather_than_delivered_one_by_one()
    {
        var ex = Assert.Throws<SubscriptionLoadException>(() => SubscriptionParser.ParseProgrammatic(
            """[{"pubsubname":"pubsub","topic":"t","route":"/t","bulkSubscribe":{"enabled":true,"maxMessagesCount":10}}]"""u8));

        Assert.Contains("bulkSubscribe", ex.Message);
    }

    [Fact]
    public void A_response_that_is_not_an_array_is_a_load_error()
    {
        Assert.Throws<SubscriptionLoadException>(() => SubscriptionParser.ParseProgrammatic("""{"topic":"t"}"""u8));
    }

    [Fact]
    public void Declarative_v2alpha1_subscription_is_parsed_with_scopes()
    {
        var doc = PubSubTestData.Yaml("""
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata:
              name: order-events
            spec:
              pubsubname: pubsub
              topic: orders
              routes:
                rules:
                  - match: event.type == "OrderPlaced"
                    path: /placed
                default: /other
              deadLetterTopic: orders-dead
            scopes:
              - notification
            """);

        var sub = SubscriptionParser.ParseDeclarative(doc)!;
        Assert.Equal(["/placed", "/other"], sub.Rules.Select(r => r.Path));
        Assert.Equal("orders-dead", sub.DeadLetterTopic);
        Assert.True(sub.AppliesTo("notification"));
        Assert.False(sub.AppliesTo("payment"));
        Assert.Equal("declarative:order-events", sub.Origin);
    }

    [Fact]
    public void Declarative_v1alpha1_subscription_uses_route()
    {
        var doc = PubSubTestData.Yaml("""
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: legacy
            spec:
              pubsubname: pubsub
              topic: orders
              route: /orders
            """);

        var sub = SubscriptionParser.ParseDeclarative(doc)!;
        Assert.Equal("/orders", Assert.Single(sub.Rules).Path);
        Assert.True(sub.AppliesTo("anyone"));
    }

    [Fact]
    public void Declarative_subscription_with_a_bad_match_fails_naming_resource_and_expression()
    {
        var doc = PubSubTestData.Yaml("""
            kind: Subscription
            metadata: { name: broken }
            spec: { pubsubname: pubsub, topic: t, routes: { rules: [ { match: "has(event.data)", path: x } ] } }
            """);

        var ex = Assert.Throws<SubscriptionLoadException>(() => SubscriptionParser.ParseDeclarative(doc));
        Assert.Contains("broken", ex.Message);
        Assert.Contains("has(event.data)", ex.Message);
    }

    [Fact]
    public void Programmatic_subscriptions_replace_declarative_ones_for_the_same_topic()
    {
        var declarative = new[] { PubSubTestData.Subscription("orders", "decl"), PubSubTestData.Subscription("payments", "decl") };
        var programmatic = new[] { PubSubTestData.Subscription("orders", "prog") };

        var merged = SubscriptionParser.Merge(declarative, programmatic);

        Assert.Equal(["orders:prog", "payments:decl"], merged.Select(s => $"{s.Topic}:{s.Rules[^1].Path}").Order());
    }
}
