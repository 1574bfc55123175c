using Flipkart.Payment.Domain;
using Flipkart.Payment.Infrastructure;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Payment.Tests.Services;

/// <summary>
/// A payment store with Dapr's first-write/ETag rules that keeps every published event, like the outbox would.
/// Records are stored as JSON so callers never share an instance with the store.
/// </summary>
internal sealed class InMemoryPaymentRepository : IPaymentRepository
{
    private static readonly System.Text.Json.JsonSerializerOptions Json =
        Flipkart.ServiceDefaults.Extensions.ConfigureJson(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

    private readonly Dictionary<Guid, (string Json, string ETag)> items = [];
    private readonly Lock gate = new();

    public List<IntegrationEvent> Published { get; } = [];

    /// <summary>The next N events are not published after their record's save (a broker outage or a crash between the two steps).</summary>
    public int FailPublishes { get; set; }

    /// <summary>Runs before a save that publishes an event (an outcome) takes effect; lets a test interleave a competing writer.</summary>
    public Func<Task>? BeforeSave { get; set; }

    public Task<(OrderPayment? Payment, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(items.TryGetValue(orderId, out var item)
                ? (System.Text.Json.JsonSerializer.Deserialize<OrderPayment>(item.Json, Json), item.ETag)
                : ((OrderPayment?)null, ""));
        }
    }

    public async Task<bool> TrySaveAsync(OrderPayment payment, string etag, IntegrationEvent? @event, CancellationToken cancellationToken)
    {
        if (@event is not null && BeforeSave is { } hook)
        {
            BeforeSave = null;
            await hook();
        }
        lock (gate)
        {
            var exists = items.TryGetValue(payment.OrderId, out var current);
            if (string.IsNullOrEmpty(etag) ? exists : !exists || current.ETag != etag)
            {
                return false;
            }
            items[payment.OrderId] = (System.Text.Json.JsonSerializer.Serialize(payment, Json), Guid.NewGuid().ToString());
        }
        // As DaprState.TryCommitAsync: the compare-and-swap first, then (only for its winner) the outbox publish.
        if (@event is not null)
        {
            Publish(@event);
        }
        return true;
    }

    public Task<bool> EnsurePublishedAsync(Guid orderId, IntegrationEvent @event, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (Published.Any(e => e.EventId == @event.EventId))
            {
                return Task.FromResult(false);
            }
        }
        Publish(@event);
        return Task.FromResult(true);
    }

    private void Publish(IntegrationEvent @event)
    {
        lock (gate)
        {
            if (FailPublishes > 0)
            {
                FailPublishes--;
                throw new DependencyUnavailableException($"{@event.Type} could not be published (test: broker out).");
            }
            Published.Add(@event);
        }
    }
}

/// <summary>Counts provider calls; charges succeed unless told otherwise.</summary>
internal sealed class RecordingProvider : IPaymentProvider
{
    private int charges;
    private int refunds;
    private int voids;

    public bool Decline { get; set; }
    public int Charges => charges;
    public int Refunds => refunds;
    public int Voids => voids;

    public Task<ChargeResult> ChargeAsync(Guid orderId, string? userId, decimal amount, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref charges);
        return Task.FromResult(new ChargeResult(!Decline, $"pay_{orderId:N}", Decline ? "declined" : null));
    }

    public Task<string> RefundAsync(Guid orderId, string paymentId, decimal amount, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref refunds);
        return Task.FromResult($"rfnd_{orderId:N}");
    }

    public Task VoidAsync(Guid orderId, string? paymentId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref voids);
        return Task.CompletedTask;
    }
}

internal sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
