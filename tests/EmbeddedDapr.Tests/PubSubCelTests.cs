using System.Text.Json;
using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class PubSubCelTests
{
    private static readonly JsonElement Event = JsonDocument.Parse(
        """{"type":"OrderPlaced","source":"ordering","data":{"total":120.5,"qty":3,"express":true,"customer":{"tier":"gold"},"sku-id":"A1"}}""").RootElement;

    private static bool Eval(string expression)
    {
        var cel = CelExpression.Parse(expression, SubscriptionParser.EventVariables);
        Assert.True(cel.TryEvaluateEvent(Event, out var result, out var error), error);
        return result;
    }

    [Theory]
    [InlineData("event.type == \"OrderPlaced\"", true)]
    [InlineData("event.type == 'OrderPlaced'", true)]
    [InlineData("event.type != \"OrderPlaced\"", false)]
    [InlineData("event.data.qty == 3", true)]
    [InlineData("event.data.qty == 3.0", true)]
    [InlineData("event.data.total > 100", true)]
    [InlineData("event.data.total <= 100", false)]
    [InlineData("event.data.express == true", true)]
    [InlineData("event.data.customer.tier == \"gold\"", true)]
    [InlineData("event.data[\"sku-id\"] == \"A1\"", true)]
    [InlineData("event.type == \"OrderPlaced\" && event.data.qty == 2", false)]
    [InlineData("event.type == \"X\" || event.data.qty == 3", true)]
    [InlineData("!(event.type == \"X\")", true)]
    [InlineData("(event.type == \"X\" || event.source == \"ordering\") && !event.data.express", false)]
    [InlineData("event.data.qty == \"3\"", false)]
    [InlineData("event.data.qty != \"3\"", true)]
    public void Supported_expressions_evaluate_like_cel(string expression, bool expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Fact]
    public void A_missing_field_is_an_evaluation_error_unless_the_other_side_decides()
    {
        var cel = CelExpression.Parse("event.data.missing == 1", SubscriptionParser.EventVariables);
        Assert.False(cel.TryEvaluateEvent(Event, out _, out var error));
        Assert.Contains("no such key: missing", error);

        Assert.True(Eval("event.type == \"OrderPlaced\" || event.data.missing == 1"));
        Assert.False(Eval("event.type == \"X\" && event.data.missing == 1"));
    }

    [Theory]
    [InlineData("event.type.startsWith(\"Order\")", "method 'startsWith' is not supported")]
    [InlineData("size(event.data) > 1", "function 'size' is not supported")]
    [InlineData("event.type in [\"a\"]", "unexpected 'in'")]
    [InlineData("event.data.qty + 1 == 4", "unsupported character '+'")]
    [InlineData("message.type == \"x\"", "undeclared reference to 'message'")]
    [InlineData("event.type == ", "unexpected end of expression")]
    [InlineData("event.type == \"unterminated", "unterminated string")]
    public void Anything_outside_the_subset_is_rejected_naming_the_expression(string expression, string reason)
    {
        var ex = Assert.Throws<CelParseException>(() => CelExpression.Parse(expression, SubscriptionParser.EventVariables));

        Assert.Contains($"'{expression}'", ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Breaker_trip_expressions_read_the_breaker_counts()
    {
        var trip = CelExpression.Parse("consecutiveFailures > 5 || totalFailures >= 10", ["consecutiveFailures", "totalFailures"]);

        Assert.True(trip.TryEvaluate(n => n == "consecutiveFailures" ? 6.0 : 0.0, out var tripped, out _));
        Assert.True(tripped);
        Assert.True(trip.TryEvaluate(n => n == "consecutiveFailures" ? 5.0 : 9.0, out tripped, out _));
        Assert.False(tripped);
    }
}
