using System.Globalization;
using System.Net.Http.Json;
using Flipkart.Ordering.Actors;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Arms the per-order timer that cancels an order still unpaid when its stock reservation lapses.</summary>
public interface IReservationTimer
{
    Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken);
}

/// <summary>
/// One <see cref="OrderTimeoutActor"/> per order holds a durable one-shot reminder. The reminder is registered with
/// the sidecar's actor API directly (ordering hosts the type, so daprd accepts it) rather than by calling the actor
/// to register it itself: that saved call went sidecar → app → sidecar and activated an actor object per order that
/// then sat in memory until its idle timeout (60 min), for nothing but the registration. The fire activates the actor
/// as before. Registered exactly as the SDK's <c>RegisterReminderAsync</c> would (same name, Dapr duration format,
/// empty period = one-shot), so the callback and a re-arm from inside the actor are unchanged.
/// </summary>
public sealed class ActorReservationTimer(IHttpClientFactory clients, TimeProvider time) : IReservationTimer
{
    /// <summary>The HttpClient aimed at this app's own sidecar (HTTP API, with the API token when one is set).</summary>
    public const string SidecarClient = "dapr-sidecar";

    public async Task ScheduleAsync(Guid orderId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var dueIn = dueAt - time.GetUtcNow();
        var path = $"v1.0/actors/{nameof(OrderTimeoutActor)}/{orderId:N}/reminders/{OrderTimeoutActor.ReminderName}";
        using var response = await clients.CreateClient(SidecarClient)
            .PutAsJsonAsync(path, new ReminderRegistration(DaprDuration(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero), Period: ""), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DependencyUnavailableException(
                $"The reservation timer of order {orderId} could not be armed: the sidecar answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>The duration format the Dapr .NET SDK registers reminders with (<c>&lt;hours&gt;h&lt;m&gt;m&lt;s&gt;s&lt;ms&gt;ms</c>).</summary>
    public static string DaprDuration(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(value.Days * 24) + value.Hours}h{value.Minutes}m{value.Seconds}s{value.Milliseconds}ms");

    private sealed record ReminderRegistration(string DueTime, string Period);
}
