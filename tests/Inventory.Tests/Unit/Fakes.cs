using System.Collections.Concurrent;
using System.Text.Json;
using Flipkart.Inventory;
using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Inventory.Tests.Unit;

/// <summary>
/// Stock in memory, serialised per product (or stock bucket) like an actor, stored as JSON copies like a state store.
/// With <see cref="Interleave"/> every call first yields, so concurrent callers' steps interleave between calls as
/// they do across actor turns.
/// </summary>
internal sealed class InMemoryLedger(TimeProvider? time = null) : IStockBuckets
{
    private readonly ConcurrentDictionary<string, string> items = new();
    private readonly Lock gate = new();
    private readonly TimeProvider time = time ?? TimeProvider.System;

    public int ReserveCalls;

    public bool Interleave { get; init; }

    /// <summary>Calls per stock key (product or bucket id), every operation counted.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ReserveCalls);
        return ChangeAsync(productId, s => s.Reserve(orderId, userId, quantity, expiresAt), ReserveOutcome.UnknownProduct);
    }

    public Task<ReserveOutcome> ReserveOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ReserveCalls);
        return ChangeAsync(bucketId, s => s.ReserveOrPass(orderId, userId, quantity, expiresAt, time.GetUtcNow()), ReserveOutcome.UnknownProduct);
    }

    public Task<RestockOutcome> RestockOrPassAsync(string bucketId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(bucketId, s => s.RestockOrPass(orderId, userId, quantity, time.GetUtcNow()), RestockOutcome.Passed);

    public async Task<StockItem> SetShareAsync(string bucketId, int available, int? perUserLimit, int buckets, CancellationToken cancellationToken)
    {
        await StepAsync(bucketId);
        lock (gate)
        {
            var stock = items.TryGetValue(bucketId, out var json) ? JsonSerializer.Deserialize<StockItem>(json)! : StockItem.Create(bucketId);
            stock.SetAvailable(available, time.GetUtcNow());
            stock.SetPerUserLimit(perUserLimit);
            stock.SplitOver(buckets);
            items[bucketId] = JsonSerializer.Serialize(stock);
            return stock;
        }
    }

    /// <summary>Every stored stock record (products and buckets), as stored.</summary>
    public IReadOnlyDictionary<string, StockItem> All() => items.ToDictionary(i => i.Key, i => JsonSerializer.Deserialize<StockItem>(i.Value)!);

    public Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        ChangeAsync(productId, s => s.Release(orderId), false);

    public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        ChangeAsync(productId, s => s.Commit(orderId), false);

    public Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(productId, s => s.Restock(orderId, userId, quantity), false);

    public async Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken)
    {
        await StepAsync(productId);
        return items.TryGetValue(productId, out var json) ? JsonSerializer.Deserialize<StockItem>(json) : null;
    }

    public async Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken)
    {
        await StepAsync(productId);
        return items.TryGetValue(productId, out var json) ? StockAvailability.Of(JsonSerializer.Deserialize<StockItem>(json)!) : null;
    }

    public Task<StockItem> SetAvailableAsync(string productId, int available, CancellationToken cancellationToken) =>
        SetAvailableAsync(productId, available, null, cancellationToken);

    public Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var stock = items.TryGetValue(productId, out var json) ? JsonSerializer.Deserialize<StockItem>(json)! : StockItem.Create(productId);
            stock.SetAvailable(available, DateTimeOffset.UtcNow);
            stock.SetPerUserLimit(perUserLimit);
            items[productId] = JsonSerializer.Serialize(stock);
            return Task.FromResult(stock);
        }
    }

    private async Task StepAsync(string key)
    {
        Calls.AddOrUpdate(key, 1, (_, n) => n + 1);
        // A random number of yields, so concurrent callers' calls land in every order over many runs.
        for (var yields = Interleave ? 1 + Random.Shared.Next(3) : 0; yields > 0; yields--)
        {
            await Task.Yield();
        }
    }

    public StockItem Get(string productId) => JsonSerializer.Deserialize<StockItem>(items[productId])!;

    private async Task<T> ChangeAsync<T>(string productId, Func<StockItem, T> change, T whenUnknown)
    {
        await StepAsync(productId);
        lock (gate)
        {
            if (!items.TryGetValue(productId, out var json))
            {
                return whenUnknown;
            }
            var stock = JsonSerializer.Deserialize<StockItem>(json)!;
            var result = change(stock);
            items[productId] = JsonSerializer.Serialize(stock);
            return result;
        }
    }
}

/// <summary>Records with real compare-and-swap semantics: a fresh ETag per write, "" means create-only.</summary>
internal sealed class InMemoryRecords : IReservationRecords
{
    private readonly Dictionary<Guid, (string Json, string ETag)> records = [];
    private readonly List<string> products = [];
    private readonly Lock gate = new();

    /// <summary>Runs once just before the next save, to simulate a competing writer.</summary>
    public Func<Task>? BeforeNextSave;

    public Task<(OrderReservation? Record, string ETag)> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(records.TryGetValue(orderId, out var entry)
                ? (JsonSerializer.Deserialize<OrderReservation>(entry.Json), entry.ETag)
                : ((OrderReservation?)null, ""));
        }
    }

    public async Task<bool> TrySaveAsync(OrderReservation record, string etag, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref BeforeNextSave, null) is { } competitor)
        {
            await competitor();
        }
        lock (gate)
        {
            var exists = records.TryGetValue(record.OrderId, out var current);
            if (etag == "" ? exists : !exists || current.ETag != etag)
            {
                return false;
            }
            records[record.OrderId] = (JsonSerializer.Serialize(record), Guid.NewGuid().ToString());
            return true;
        }
    }

    public Task<IReadOnlyList<string>> GetProductIdsAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. products]);
        }
    }

    public Task AddProductIdAsync(string productId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!products.Contains(productId))
            {
                products.Add(productId);
            }
        }
        return Task.CompletedTask;
    }

    public OrderReservation? Find(Guid orderId) => GetAsync(orderId, default).Result.Record;
}

internal sealed class RecordingPublisher : IIntegrationEventPublisher
{
    public ConcurrentQueue<InventoryEvent> Published { get; } = new();

    /// <summary>While true, every publish fails as daprd answers when the broker (or its circuit breaker) refuses it.</summary>
    public bool BrokerDown { get; set; }

    public Task PublishAsync(IntegrationEvent @event, string partitionKey, CancellationToken cancellationToken)
    {
        if (BrokerDown)
        {
            throw new Dapr.DaprException("Publish operation failed: the Dapr endpoint indicated a failure.",
                new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Internal, "error when publish to topic inventory: broker down")));
        }
        var published = Assert.IsAssignableFrom<InventoryEvent>(@event);
        // Inventory keys every outcome by its order, so an ordered broker keeps one order's events in order.
        Assert.Equal(published.OrderId.ToString(), partitionKey);
        Published.Enqueue(published);
        return Task.CompletedTask;
    }

    public IReadOnlyList<T> OfType<T>() where T : InventoryEvent => [.. Published.OfType<T>()];
}

/// <summary>The durable outcome retries armed, by order (what the reminder of each would then republish is up to the test).</summary>
internal sealed class RecordingOutcomeRetries : IOutcomeRetries
{
    public ConcurrentQueue<Guid> Scheduled { get; } = new();

    public Task ScheduleAsync(Guid orderId, CancellationToken cancellationToken)
    {
        Scheduled.Enqueue(orderId);
        return Task.CompletedTask;
    }
}

/// <summary>Ordering's answers about orders, as the sweep asks them; an order nobody set is still pending.</summary>
internal sealed class FakeOrderOutcomes : IOrderOutcomes
{
    public ConcurrentDictionary<Guid, OrderOutcome> Outcomes { get; } = new();

    public Task<OrderOutcome> GetAsync(Guid orderId, string? userId, CancellationToken cancellationToken) =>
        Task.FromResult(Outcomes.GetValueOrDefault(orderId, OrderOutcome.Pending));
}

internal sealed class FakeTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

internal sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

internal static class TestOptions
{
    public static FixedOptions<InventoryOptions> Inventory(InventoryOptions? options = null) => new(options ?? new InventoryOptions());
}
