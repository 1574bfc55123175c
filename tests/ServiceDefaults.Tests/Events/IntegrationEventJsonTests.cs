using System.Text.Json;
using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.Events;

[Unit]
public sealed class IntegrationEventJsonTests
{
    private sealed record Shipped(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, DayOfWeek Day, int Parcels, string? Note = null)
        : IntegrationEvent(EventId, OccurredAt);

    private static Shipped? Read(string json) => JsonSerializer.Deserialize<Shipped>(json, IntegrationEventJson.Options);

    [Fact]
    public void Reads_MembersItDoesNotKnow_EnumsAsStrings_AndNumbersWrittenAsStrings()
    {
        var orderId = Guid.NewGuid();

        var shipped = Read($$"""{"eventId":"{{Guid.NewGuid()}}","occurredAt":"2026-12-01T10:00:00Z","orderId":"{{orderId}}","day":"Friday","parcels":"2","carrier":"added later"}""");

        Assert.Equal((orderId, DayOfWeek.Friday, 2, null), (shipped!.OrderId, shipped.Day, shipped.Parcels, shipped.Note));
    }

    [Fact]
    public void Refuses_AnEventWithoutAMemberTheConsumerNeeds()
    {
        // No orderId: nothing a consumer could act on, so reading fails (and the subscription drops it).
        Assert.Throws<JsonException>(() => Read($$"""{"eventId":"{{Guid.NewGuid()}}","occurredAt":"2026-12-01T10:00:00Z","day":"Friday","parcels":1}"""));
    }

    [Fact]
    public void Type_IsTheRecordName_AndIsNotWritten()
    {
        var shipped = new Shipped(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), DayOfWeek.Monday, 1);

        Assert.Equal(nameof(Shipped), shipped.Type);
        Assert.DoesNotContain("\"type\"", JsonSerializer.Serialize(shipped, IntegrationEventJson.Options));
    }
}
