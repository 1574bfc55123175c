using System.Net;
using System.Text;
using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class PubSubResponseRulesTests
{
    [Theory]
    [InlineData(200, "", DeliveryStatus.Success)]
    [InlineData(204, "", DeliveryStatus.Success)]
    [InlineData(200, "ok", DeliveryStatus.Success)]
    [InlineData(200, "[1]", DeliveryStatus.Success)]
    [InlineData(200, "{\"status\":\"SUCCESS\"}", DeliveryStatus.Success)]
    [InlineData(200, "{\"status\":\"\"}", DeliveryStatus.Success)]
    [InlineData(200, "{\"other\":1}", DeliveryStatus.Success)]
    [InlineData(200, "{\"status\":\"RETRY\"}", DeliveryStatus.Retry)]
    [InlineData(200, "{\"status\":\"DROP\"}", DeliveryStatus.Drop)]
    [InlineData(200, "{\"status\":\"success\"}", DeliveryStatus.Retry)]
    [InlineData(200, "{\"status\":\"drop\"}", DeliveryStatus.Retry)]
    [InlineData(404, "", DeliveryStatus.Drop)]
    [InlineData(400, "", DeliveryStatus.Retry)]
    [InlineData(500, "{\"status\":\"SUCCESS\"}", DeliveryStatus.Retry)]
    [InlineData(302, "", DeliveryStatus.Retry)]
    public void App_answers_are_classified_like_daprd(int status, string body, DeliveryStatus expected)
    {
        var outcome = HttpSubscriberEndpoint.Classify((HttpStatusCode)status, Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, outcome.Status);
    }

    [Fact]
    public void Non_2xx_retries_carry_the_status_code_for_resiliency_matching()
    {
        Assert.Equal(503, HttpSubscriberEndpoint.Classify(HttpStatusCode.ServiceUnavailable, []).StatusCode);
    }
}
