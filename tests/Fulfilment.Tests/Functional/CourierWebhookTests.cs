using System.Net;
using System.Text;
using Flipkart.Testing;

namespace Flipkart.Fulfilment.Tests.Functional;

/// <summary>The courier webhook refuses what it cannot trust, and in every refusal nothing changes.</summary>
[Functional]
public sealed class CourierWebhookTests(FulfilmentFixture fixture) : IClassFixture<FulfilmentFixture>
{
    private async Task<Guid> HandedOverAsync()
    {
        var orderId = Guid.NewGuid();
        await fixture.ConfirmAsync(orderId);
        await fixture.StageAsync(orderId, "HandedOver");
        return orderId;
    }

    private async Task AssertStillHandedOverAsync(Guid orderId)
    {
        // A valid scan afterwards still moves the parcel: the refused ones neither moved it nor used anything up.
        Assert.Equal("HandedOver", (await fixture.ShipmentAsync(orderId))!["stage"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_tampered_and_stale_scans_are_401_and_change_nothing()
    {
        var orderId = await HandedOverAsync();
        var now = fixture.Time.GetUtcNow();

        using var unsigned = await fixture.ScanAsync(orderId, "delivered", sign: (body, _) => body);
        using var wrongKey = await fixture.ScanAsync(orderId, "delivered", sign: FulfilmentFixture.Signed(now, Encoding.UTF8.GetBytes("not-the-courier-key-123456")));
        using var tampered = await fixture.ScanAsync(orderId, "delivered", sign: (body, request) =>
        {
            FulfilmentFixture.Signed(now)(body, request);
            return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("delivered", "out-for-delivery"));
        });
        using var stale = await fixture.ScanAsync(orderId, "delivered", sign: FulfilmentFixture.Signed(now - TimeSpan.FromMinutes(6)));

        Assert.All([unsigned, wrongKey, tampered, stale], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        await AssertStillHandedOverAsync(orderId);
    }

    [Fact]
    public async Task A_replayed_event_id_is_409_and_the_original_counts_once()
    {
        var orderId = await HandedOverAsync();
        var eventId = $"courier-{Guid.NewGuid():N}";

        using var first = await fixture.ScanAsync(orderId, "out-for-delivery", eventId);
        using var replay = await fixture.ScanAsync(orderId, "out-for-delivery", eventId);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        await Eventually.TrueAsync(() => fixture.PublishedTypes(orderId).Contains("ShipmentScanned"), "the scan is recorded");
        await AssertStillHandedOverAsync(orderId);
    }

    [Fact]
    public async Task Malformed_unknown_and_out_of_place_scans_are_refused_without_using_up_their_event_id()
    {
        var orderId = await HandedOverAsync();
        var eventId = $"courier-{Guid.NewGuid():N}";

        using var garbage = await fixture.ScanAsync(orderId, "delivered", sign: (_, request) =>
        {
            var body = Encoding.UTF8.GetBytes("{\"eventId\": 12");
            FulfilmentFixture.Signed(fixture.Time.GetUtcNow())(body, request);
            return body;
        });
        using var unknownType = await fixture.ScanAsync(orderId, "teleported");
        using var unknownParcel = await fixture.ScanAsync(Guid.NewGuid(), "delivered");
        using var noReturnBooked = await fixture.ScanAsync(orderId, "pickup-done", eventId);

        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownParcel.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, noReturnBooked.StatusCode);
        await AssertStillHandedOverAsync(orderId);

        // The refused pickup-done did not claim its id: the same id on a scan that fits is accepted.
        using var accepted = await fixture.ScanAsync(orderId, "delivered", eventId);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await fixture.StageAsync(orderId, "Delivered");
    }
}
