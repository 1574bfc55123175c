using System.Text;
using System.Text.Json;
using Flipkart.EmbeddedDapr.PubSub;

namespace Flipkart.EmbeddedDapr.Tests;

public sealed class PubSubEnvelopeTests
{
    private static readonly ManualTime Clock = new(new DateTimeOffset(2026, 11, 28, 7, 30, 15, 123, TimeSpan.Zero));

    private static JsonElement Build(string data, string? contentType, Dictionary<string, string>? metadata = null, string? traceParent = null)
    {
        var bytes = CloudEventEnvelope.Build(
            new PublishInput("pubsub", "orders", Encoding.UTF8.GetBytes(data), contentType, metadata ?? [], "ordering", traceParent),
            Clock);
        return JsonDocument.Parse(bytes).RootElement.Clone();
    }

    [Fact]
    public void Plain_json_is_wrapped_with_every_field_daprd_sets()
    {
        var ce = Build("""{"orderId":"o-1","total":12.50}""", "application/json");

        Assert.True(Guid.TryParse(ce.GetProperty("id").GetString(), out _));
        Assert.Equal("ordering", ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal("application/json", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("orders", ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.Equal("2026-11-28T07:30:15Z", ce.GetProperty("time").GetString());
        Assert.Equal(JsonValueKind.Object, ce.GetProperty("data").ValueKind);
        Assert.Equal("12.50", ce.GetProperty("data").GetProperty("total").GetRawText());
        Assert.Equal(ce.GetProperty("traceparent").GetString(), ce.GetProperty("traceid").GetString());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", ce.GetProperty("traceparent").GetString());
        Assert.Equal("", ce.GetProperty("tracestate").GetString());
        Assert.False(ce.TryGetProperty("subject", out _));
    }

    [Fact]
    public void Envelope_keys_are_sorted_like_go_marshals_a_map()
    {
        var ce = Build("""{"b":1,"a":2}""", "application/json");

        var keys = ce.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(["a", "b"], ce.GetProperty("data").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Cloudevent_overrides_in_metadata_are_matched_case_insensitively()
    {
        var ce = Build("{}", "application/json", new()
        {
            ["cloudevent.ID"] = "evt-1",
            ["cloudevent.type"] = "OrderPlaced",
            ["CloudEvent.Source"] = "checkout",
            ["cloudevent.subject"] = "order/1",
            ["cloudevent.traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        });

        Assert.Equal("evt-1", ce.GetProperty("id").GetString());
        Assert.Equal("OrderPlaced", ce.GetProperty("type").GetString());
        Assert.Equal("checkout", ce.GetProperty("source").GetString());
        Assert.Equal("order/1", ce.GetProperty("subject").GetString());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ce.GetProperty("traceid").GetString());
    }

    [Fact]
    public void Publish_span_is_a_child_of_the_callers_trace()
    {
        var ce = Build("{}", "application/json", traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var traceParent = ce.GetProperty("traceparent").GetString()!;
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", traceParent);
        Assert.DoesNotContain("b7ad6b7169203331", traceParent);
    }

    [Fact]
    public void Invalid_json_under_a_json_content_type_becomes_a_string()
    {
        var ce = Build("not json", "application/json");

        Assert.Equal("not json", ce.GetProperty("data").GetString());
    }

    [Fact]
    public void Missing_content_type_defaults_to_text_plain_with_string_data()
    {
        var ce = Build("""{"a":1}""", null);

        Assert.Equal("text/plain", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("""{"a":1}""", ce.GetProperty("data").GetString());
    }

    [Fact]
    public void Octet_stream_goes_to_data_base64()
    {
        var ce = Build("\u0001\u0002", "application/octet-stream");

        Assert.False(ce.TryGetProperty("data", out _));
        Assert.Equal(Convert.ToBase64String([1, 2]), ce.GetProperty("data_base64").GetString());
    }

    [Fact]
    public void Json_suffix_content_types_are_parsed_as_json()
    {
        var ce = Build("""{"x":true}""", "application/problem+json");

        Assert.True(ce.GetProperty("data").GetProperty("x").GetBoolean());
    }

    [Fact]
    public void A_cloudevent_body_is_not_wrapped_again()
    {
        var ce = Build(
            """{"source":"shop","type":"OrderPlaced","specversion":"1.0","datacontenttype":"application/json","data":{"n":1},"topic":"wrong","pubsubname":"wrong"}""",
            "application/cloudevents+json");

        Assert.Equal("OrderPlaced", ce.GetProperty("type").GetString());
        Assert.Equal("shop", ce.GetProperty("source").GetString());
        Assert.Equal(1, ce.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("orders", ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.Equal("2026-11-28T07:30:15Z", ce.GetProperty("time").GetString());
        Assert.False(ce.TryGetProperty("id", out _)); // daprd does not invent an id for an app-supplied CloudEvent
        Assert.False(ce.GetProperty("data").TryGetProperty("data", out _));
    }

    [Fact]
    public void A_cloudevent_body_keeps_its_own_trace_id_and_gets_defaults_for_missing_fields()
    {
        var ce = Build("""{"traceid":"mine","data":"x"}""", "application/cloudevents+json");

        Assert.Equal("mine", ce.GetProperty("traceid").GetString());
        Assert.False(ce.TryGetProperty("traceparent", out _));
        Assert.Equal("Dapr", ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
    }

    [Fact]
    public void A_cloudevent_content_type_with_a_non_object_body_is_rejected()
    {
        Assert.Throws<CloudEventCreationException>(() => Build("[1,2]", "application/cloudevents+json"));
    }

    [Fact]
    public void Ttl_metadata_adds_an_expiration_unless_the_broker_handles_ttl()
    {
        var ce = Build("{}", "application/json", new() { ["ttlInSeconds"] = "60" });
        Assert.Equal("2026-11-28T07:31:15Z", ce.GetProperty("expiration").GetString());

        var handled = CloudEventEnvelope.Build(
            new PublishInput("pubsub", "orders", "{}"u8.ToArray(), "application/json", new Dictionary<string, string> { ["ttlInSeconds"] = "60" }, "ordering"),
            Clock,
            componentHandlesTtl: true);
        Assert.False(JsonDocument.Parse(handled).RootElement.TryGetProperty("expiration", out _));
    }

    [Fact]
    public void Strings_are_escaped_like_go_encoding_json()
    {
        var ce = Build("""{"html":"<b>&</b>","name":"café"}""", "application/json");
        var text = Encoding.UTF8.GetString(CloudEventEnvelope.Build(
            new PublishInput("pubsub", "orders", """{"html":"<b>&</b>","name":"café"}"""u8.ToArray(), "application/json", new Dictionary<string, string>(), "ordering"),
            Clock));

        Assert.Equal("<b>&</b>", ce.GetProperty("data").GetProperty("html").GetString());
        Assert.Contains("\\u003cb\\u003e\\u0026\\u003c/b\\u003e", text);
        Assert.Contains("café", text);
    }

    [Fact]
    public void Raw_payload_metadata_is_parsed_like_go_parse_bool()
    {
        Assert.True(CloudEventEnvelope.IsRawPayload(new Dictionary<string, string> { ["rawPayload"] = "True" }, out var invalid));
        Assert.Null(invalid);
        Assert.False(CloudEventEnvelope.IsRawPayload(new Dictionary<string, string> { ["rawpayload"] = "0" }, out _));
        Assert.False(CloudEventEnvelope.IsRawPayload(new Dictionary<string, string> { ["rawPayload"] = "yes" }, out invalid));
        Assert.Equal("yes", invalid);
    }

    [Fact]
    public void Raw_payload_subscribers_receive_a_synthesized_cloudevent()
    {
        var bytes = CloudEventEnvelope.FromRawPayload("hello"u8.ToArray(), "orders", "pubsub", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var ce = JsonDocument.Parse(bytes).RootElement;

        Assert.Equal("application/octet-stream", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("Dapr", ce.GetProperty("source").GetString());
        Assert.Equal("aGVsbG8=", ce.GetProperty("data_base64").GetString());
        Assert.Equal("orders", ce.GetProperty("topic").GetString());
    }
}
