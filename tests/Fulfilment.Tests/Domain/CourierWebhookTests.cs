using System.Text;
using Flipkart.Fulfilment.Domain;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Domain;

[Unit]
public sealed class CourierWebhookTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("test-courier-key-0123456789");
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"eventId":"e1","trackingNumber":"FK00","type":"delivered","occurredAt":"2026-12-05T11:59:00Z"}""");

    private static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static CourierSignatureCheck Check(string? signature, string? timestamp, byte[]? body = null) =>
        CourierSignature.Check(Key, signature, timestamp, body ?? Body, Now, Tolerance);

    [Fact]
    public void A_request_signed_with_the_key_over_its_timestamp_and_body_is_valid()
    {
        var signature = CourierSignature.Sign(Key, Now.ToUnixTimeSeconds(), Body);

        Assert.StartsWith("v1=", signature);
        Assert.Equal(CourierSignatureCheck.Valid, Check(signature, Timestamp(Now)));
    }

    [Fact]
    public void A_changed_body_a_changed_timestamp_or_another_key_breaks_the_signature()
    {
        var signature = CourierSignature.Sign(Key, Now.ToUnixTimeSeconds(), Body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("delivered", "pickup-done"));

        Assert.Equal(CourierSignatureCheck.Invalid, Check(signature, Timestamp(Now), tampered));
        Assert.Equal(CourierSignatureCheck.Invalid, Check(signature, Timestamp(Now.AddSeconds(1))));
        Assert.Equal(CourierSignatureCheck.Invalid, Check(CourierSignature.Sign(Encoding.UTF8.GetBytes("another-key-0123456789"), Now.ToUnixTimeSeconds(), Body), Timestamp(Now)));
    }

    [Fact]
    public void A_correct_signature_outside_the_tolerance_is_stale_in_either_direction()
    {
        var old = Now - Tolerance - TimeSpan.FromSeconds(1);
        var future = Now + Tolerance + TimeSpan.FromSeconds(1);

        Assert.Equal(CourierSignatureCheck.Stale, Check(CourierSignature.Sign(Key, old.ToUnixTimeSeconds(), Body), Timestamp(old)));
        Assert.Equal(CourierSignatureCheck.Stale, Check(CourierSignature.Sign(Key, future.ToUnixTimeSeconds(), Body), Timestamp(future)));
        Assert.Equal(CourierSignatureCheck.Valid, Check(CourierSignature.Sign(Key, (Now - Tolerance).ToUnixTimeSeconds(), Body), Timestamp(Now - Tolerance)));
    }

    [Theory]
    [InlineData(null, "1764936000", CourierSignatureCheck.Missing)]
    [InlineData("v1=00", null, CourierSignatureCheck.Missing)]
    [InlineData("v1=zz", "1764936000", CourierSignatureCheck.Malformed)]
    [InlineData("sha256=00", "1764936000", CourierSignatureCheck.Malformed)]
    [InlineData("v1=00", "-5", CourierSignatureCheck.Malformed)]
    [InlineData("v1=00", "1e9", CourierSignatureCheck.Malformed)]
    [InlineData("v1=00", "99999999999999999999999", CourierSignatureCheck.Malformed)]
    [InlineData("v1=00", "1764936000", CourierSignatureCheck.Invalid)]
    public void Missing_or_malformed_headers_are_refused(string? signature, string? timestamp, CourierSignatureCheck expected) =>
        Assert.Equal(expected, Check(signature, timestamp));

    [Fact]
    public void Tracking_numbers_name_their_order_and_nothing_else_reads_as_one()
    {
        var orderId = Guid.NewGuid();

        Assert.Equal(orderId, TrackingNumbers.OrderIdOf(TrackingNumbers.For(orderId)));
        Assert.Null(TrackingNumbers.OrderIdOf(TrackingNumbers.For(orderId).ToLowerInvariant()));
        Assert.Null(TrackingNumbers.OrderIdOf("FK" + orderId.ToString("N").ToUpperInvariant()[..31]));
        Assert.Null(TrackingNumbers.OrderIdOf(orderId.ToString()));
        Assert.Null(TrackingNumbers.OrderIdOf(null));
    }

    [Fact]
    public void A_courier_event_lists_every_field_it_gets_wrong()
    {
        var errors = CourierScans.Validate(new CourierEvent(EventId: new string('x', 200), TrackingNumber: "nope", Type: "lost", OccurredAt: null));

        Assert.Equal(["eventId", "occurredAt", "trackingNumber", "type"], errors.Keys.Order());
        Assert.Empty(CourierScans.Validate(new CourierEvent("e1", TrackingNumbers.For(Guid.NewGuid()), CourierScans.Delivered, Now)));
    }

    [Fact]
    public void Inspection_rejects_about_the_configured_share_and_always_the_same_orders()
    {
        var orders = Enumerable.Range(0, 2000).Select(_ => Guid.NewGuid()).ToList();

        var rejected = orders.Count(o => !ReturnInspection.Inspect(o, 0.25).Accepted);

        Assert.InRange(rejected, 400, 600);
        Assert.All(orders.Take(50), o => Assert.Equal(ReturnInspection.Inspect(o, 0.25), ReturnInspection.Inspect(o, 0.25)));
        Assert.All(orders, o => Assert.True(ReturnInspection.Inspect(o, 0).Accepted));
        Assert.All(orders, o => Assert.False(ReturnInspection.Inspect(o, 1).Accepted));
    }
}
