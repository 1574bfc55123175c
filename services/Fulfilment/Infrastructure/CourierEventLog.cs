using System.Security.Cryptography;
using System.Text;
using Dapr.Client;
using Flipkart.ServiceDefaults;

namespace Flipkart.Fulfilment.Infrastructure;

/// <summary>
/// The courier event ids already acted on, each kept for the replay retention (a TTL on the key): claiming an id is a
/// first-write create, so of two deliveries of one event, however concurrent, exactly one proceeds.
/// </summary>
public sealed class CourierEventLog(DaprClient dapr)
{
    private readonly DaprState<CourierEventClaim> claims = new(dapr, DaprComponents.FulfilmentStore);

    /// <summary>True when this call claimed <paramref name="eventId"/>; false when it was seen before (a replay).</summary>
    public Task<bool> TryClaimAsync(string eventId, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        claims.TryCreateAsync(Key(eventId), new CourierEventClaim(eventId, now), cancellationToken, retention);

    /// <summary>Gives a claim back when the event could not be acted on, so the courier's retry is not taken for a replay.</summary>
    public Task ReleaseAsync(string eventId, CancellationToken cancellationToken) => claims.DeleteAsync(Key(eventId), cancellationToken);

    // The courier's ids are free text: hashed, so no character of theirs ends up in a store key.
    private static string Key(string eventId) => "courier-event-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
}

public sealed record CourierEventClaim(string EventId, DateTimeOffset ReceivedAt);
