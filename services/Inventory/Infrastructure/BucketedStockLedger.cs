using System.Buffers.Binary;
using System.Collections.Concurrent;
using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Inventory.Infrastructure;

/// <summary>
/// A product's stock split over several stock buckets (actors or keys: the product id itself, then
/// <c>{productId}~1</c> …), so one hot SKU is served by several actor turns at once. An order's line is held whole in
/// one bucket: the order starts at the bucket its id hashes to and walks the others in a fixed order round the ring;
/// it is out of stock only when every bucket refused. Buckets an order walked past remember it
/// (<see cref="StockItem.ReserveOrPass"/>), so a retried or duplicated walk finds the hold it made before instead of
/// holding the order twice. A product's split is recorded on its first bucket when its stock is first set and never
/// changes; products with a per-user cap are never split. See docs/inventory-design.md, "Stock buckets".
/// </summary>
public sealed class BucketedStockLedger(IStockBuckets buckets, IOptionsMonitor<InventoryOptions> options) : IStockLedger
{
    public const int MaxBuckets = 64;

    // Splits never change once recorded, so a replica may keep them; the bound only caps memory.
    private const int KeptSplits = 100_000;
    private readonly ConcurrentDictionary<string, int> splits = new(StringComparer.Ordinal);

    /// <summary>Bucket 0 is the product id itself, so a whole product and a split product's first bucket are one record.</summary>
    public static string BucketId(string productId, int bucket) => bucket == 0 ? productId : $"{productId}~{bucket}";

    /// <summary>Where an order's walk starts. From the order id's last eight bytes, which are random in v4 and v7 ids alike.</summary>
    public static int HomeBucket(Guid orderId, int split)
    {
        Span<byte> bytes = stackalloc byte[16];
        orderId.TryWriteBytes(bytes);
        return (int)(BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]) % (ulong)split);
    }

    /// <summary>The buckets an order visits, in order: its home bucket, then the next ones round the ring.</summary>
    public static string[] Walk(string productId, Guid orderId, int split)
    {
        var home = HomeBucket(orderId, split);
        return [.. Enumerable.Range(0, split).Select(i => BucketId(productId, (home + i) % split))];
    }

    public async Task<ReserveOutcome> ReserveAsync(string productId, Guid orderId, string? userId, int quantity, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var split = await SplitOfAsync(productId, cancellationToken);
        if (split is null or 1)
        {
            return split is null
                ? ReserveOutcome.UnknownProduct
                : await buckets.ReserveAsync(productId, orderId, userId, quantity, expiresAt, cancellationToken);
        }

        var walk = Walk(productId, orderId, split.Value);
        // First pass, which writes nothing unless it reserves: the home bucket, then a look at what the others have.
        // The home bucket may hold the order outright: an earlier walk that went past it left it a pass, so no other
        // bucket can hold the order unless home says Passed.
        var home = await buckets.ReserveAsync(walk[0], orderId, userId, quantity, expiresAt, cancellationToken);
        if (IsHeld(home))
        {
            return home;
        }
        if (home != ReserveOutcome.Passed && !await AnyCanServeAsync(walk[1..], quantity, cancellationToken))
        {
            return ReserveOutcome.OutOfStock; // sold out everywhere: no bucket wrote anything
        }

        // Second pass: every bucket but the last remembers refusing this order before the walk moves on, so any later
        // walk of it stops at the same bucket (it holds the order) instead of taking stock that came back behind it.
        for (var i = 0; i < walk.Length; i++)
        {
            var outcome = i < walk.Length - 1
                ? await buckets.ReserveOrPassAsync(walk[i], orderId, userId, quantity, expiresAt, cancellationToken)
                : await buckets.ReserveAsync(walk[i], orderId, userId, quantity, expiresAt, cancellationToken);
            if (IsHeld(outcome))
            {
                return outcome;
            }
        }
        return ReserveOutcome.OutOfStock;
    }

    public Task<bool> ReleaseAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        FirstAsync(productId, orderId, bucket => buckets.ReleaseAsync(bucket, orderId, cancellationToken), cancellationToken);

    public Task<bool> CommitAsync(string productId, Guid orderId, CancellationToken cancellationToken) =>
        FirstAsync(productId, orderId, bucket => buckets.CommitAsync(bucket, orderId, cancellationToken), cancellationToken);

    /// <summary>
    /// The units come back to the first bucket in the order's walk that sold at least that many (each bucket balances
    /// on its own, so it need not be the one that sold them); buckets passed on the way remember it, so a retry stops
    /// at the same bucket.
    /// </summary>
    public async Task<bool> RestockAsync(string productId, Guid orderId, string? userId, int quantity, CancellationToken cancellationToken)
    {
        var split = await SplitOfAsync(productId, cancellationToken);
        if (split is null or 1)
        {
            return split is not null && await buckets.RestockAsync(productId, orderId, userId, quantity, cancellationToken);
        }
        foreach (var bucket in Walk(productId, orderId, split.Value))
        {
            switch (await buckets.RestockOrPassAsync(bucket, orderId, userId, quantity, cancellationToken))
            {
                case RestockOutcome.Restocked:
                    return true;
                case RestockOutcome.AlreadyRestocked:
                    return false;
            }
        }
        return false;
    }

    /// <summary>The product's stock summed over its buckets (holds, sales and restocks of every bucket).</summary>
    public async Task<StockItem?> GetAsync(string productId, CancellationToken cancellationToken)
    {
        var root = await buckets.GetAsync(productId, cancellationToken);
        if (root is null)
        {
            return null;
        }
        var split = Remember(productId, root);
        if (split == 1)
        {
            return root;
        }
        var others = await Task.WhenAll(Enumerable.Range(1, split - 1).Select(k => buckets.GetAsync(BucketId(productId, k), cancellationToken)));
        return Merge(productId, [root, .. others]);
    }

    public async Task<StockAvailability?> GetAvailabilityAsync(string productId, CancellationToken cancellationToken)
    {
        var split = await SplitOfAsync(productId, cancellationToken);
        if (split is null or 1)
        {
            return split is null ? null : await buckets.GetAvailabilityAsync(productId, cancellationToken);
        }
        var parts = await Task.WhenAll(Enumerable.Range(0, split.Value).Select(k => buckets.GetAvailabilityAsync(BucketId(productId, k), cancellationToken)));
        return parts[0] is { } root ? new StockAvailability(parts.Sum(p => p?.Available ?? 0), root.PerUserLimit) : null;
    }

    /// <summary>
    /// Spreads <paramref name="available"/> over the product's buckets in equal shares, each bucket recording its own
    /// change as received, so every bucket and the total balance. A new product is split over up to
    /// <see cref="InventoryOptions.StockBuckets"/> buckets of at least <see cref="InventoryOptions.StockBucketMinUnits"/>
    /// units each, unless it is capped; a cap on a split product is refused.
    /// </summary>
    public async Task<StockItem> SetAvailableAsync(string productId, int available, int? perUserLimit, CancellationToken cancellationToken)
    {
        var root = await buckets.GetAsync(productId, cancellationToken);
        var split = root is not null ? SplitOf(root) : perUserLimit is null ? NewSplit(available) : 1;
        if (split > 1 && perUserLimit is not null)
        {
            throw new ConflictException("Product split over stock buckets",
                $"Product '{productId}' is split over {split} stock buckets, so it cannot take a per-user limit: a cap must count a user's units in one place. " +
                "Cap a product before its stock is first set, and it stays whole.");
        }

        var parts = new StockItem[split];
        // The other buckets first, the product's own last: until that one exists buyers find no product, never half a split.
        for (var k = split - 1; k >= 0; k--)
        {
            var share = available / split + (k < available % split ? 1 : 0);
            parts[k] = await buckets.SetShareAsync(BucketId(productId, k), share, k == 0 ? perUserLimit : null, split, cancellationToken);
        }
        if (SplitOf(parts[0]) != split)
        {
            // Another replica created the product first, with another split: spread over the split it recorded.
            return await SetAvailableAsync(productId, available, perUserLimit, cancellationToken);
        }
        Remember(productId, parts[0]);
        return split == 1 ? parts[0] : Merge(productId, parts);
    }

    private int NewSplit(int available)
    {
        var settings = options.CurrentValue;
        return Math.Clamp(available / settings.StockBucketMinUnits, 1, settings.StockBuckets);
    }

    private static bool IsHeld(ReserveOutcome outcome) => outcome is ReserveOutcome.Reserved or ReserveOutcome.AlreadyReserved;

    private async Task<bool> AnyCanServeAsync(string[] bucketIds, int quantity, CancellationToken cancellationToken)
    {
        var available = await Task.WhenAll(bucketIds.Select(b => buckets.GetAvailabilityAsync(b, cancellationToken)));
        return available.Any(a => a?.Available >= quantity);
    }

    // An order is held in at most one bucket, so release and commit stop at the first that acts.
    private async Task<bool> FirstAsync(string productId, Guid orderId, Func<string, Task<bool>> change, CancellationToken cancellationToken)
    {
        var split = await SplitOfAsync(productId, cancellationToken);
        if (split is null)
        {
            return false;
        }
        foreach (var bucket in split == 1 ? [productId] : Walk(productId, orderId, split.Value))
        {
            if (await change(bucket))
            {
                return true;
            }
        }
        return false;
    }

    private async Task<int?> SplitOfAsync(string productId, CancellationToken cancellationToken)
    {
        if (splits.TryGetValue(productId, out var split))
        {
            return split;
        }
        return await buckets.GetAsync(productId, cancellationToken) is { } root ? Remember(productId, root) : null;
    }

    private int Remember(string productId, StockItem root)
    {
        if (splits.Count >= KeptSplits)
        {
            splits.Clear();
        }
        return splits[productId] = SplitOf(root);
    }

    private static int SplitOf(StockItem root) => Math.Max(root.Buckets, 1);

    private static StockItem Merge(string productId, IReadOnlyList<StockItem?> parts)
    {
        var merged = new StockItem { ProductId = productId, PerUserLimit = parts[0]?.PerUserLimit, Buckets = parts.Count };
        foreach (var part in parts.OfType<StockItem>())
        {
            merged.Available += part.Available;
            merged.Reserved += part.Reserved;
            merged.Sold += part.Sold;
            merged.Received += part.Received;
            merged.Restocked += part.Restocked;
            foreach (var (orderId, hold) in part.Reservations)
            {
                // One hold per order across the buckets; a second would leave the merged ledger unbalanced, visibly.
                merged.Reservations.TryAdd(orderId, hold);
            }
            foreach (var (userId, units) in part.SoldToUser)
            {
                merged.SoldToUser[userId] = merged.SoldToUser.GetValueOrDefault(userId) + units;
            }
            merged.RestockedOrders.UnionWith(part.RestockedOrders);
            merged.Adjustments.AddRange(part.Adjustments);
        }
        merged.Adjustments.Sort((a, b) => a.At.CompareTo(b.At));
        return merged;
    }
}
