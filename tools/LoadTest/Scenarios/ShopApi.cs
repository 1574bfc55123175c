using System.Globalization;
using System.Net;
using System.Text.Json;
using Flipkart.LoadTest.Engine;
using Flipkart.LoadTest.FlashSale;
using Flipkart.LoadTest.Metrics;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>A product the scenarios can use: id, price (rupees) and category.</summary>
public sealed record CatalogProduct(string Id, decimal Price, string CategoryId);

/// <summary>
/// The gateway's public API as a polite client calls it: what a storefront would send, with retries where a real
/// client retries (429 after Retry-After, 503 and lost connections with backoff, 409 "in progress" for the same
/// idempotency key). Requests are recorded in the given stats under the operation name.
/// </summary>
public sealed class ShopApi(LoadClient client)
{
    public const int MaxAttempts = 8;

    public LoadClient Client => client;

    /// <summary>How many retries each cause triggered (reported: they are part of what a flash sale costs).</summary>
    public long Retries429 => Interlocked.Read(ref _retries429);
    public long Retries409 => Interlocked.Read(ref _retries409);
    public long RetriesOther => Interlocked.Read(ref _retriesOther);

    private long _retries429;
    private long _retries409;
    private long _retriesOther;

    /// <summary>
    /// Sends until an answer that is not worth retrying, or <see cref="MaxAttempts"/>. 429 and 409 wait for
    /// Retry-After (with jitter, so retries do not arrive in lockstep); 5xx and no answer back off exponentially.
    /// </summary>
    public async Task<Reply> WithRetriesAsync(Func<Task<Reply>> send, Random random, CancellationToken cancellationToken, bool retryConflicts = false, int maxAttempts = MaxAttempts)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            var reply = await send().ConfigureAwait(false);
            var retry = reply.Status switch
            {
                (int)HttpStatusCode.TooManyRequests => Counted(ref _retries429, reply.RetryAfter ?? TimeSpan.FromSeconds(1)),
                (int)HttpStatusCode.Conflict when retryConflicts && FinalConflict(reply) is null => Counted(ref _retries409, reply.RetryAfter ?? TimeSpan.FromSeconds(1)),
                LoadStats.NoResponse or >= 500 => Counted(ref _retriesOther, backoff),
                _ => (TimeSpan?)null,
            };
            if (retry is not { } wait || attempt >= maxAttempts || cancellationToken.IsCancellationRequested)
            {
                return reply;
            }
            if (reply.Status is LoadStats.NoResponse or >= 500)
            {
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            // Up to +50% jitter; Retry-After is a whole number of seconds, the jitter spreads the herd.
            var jittered = wait + TimeSpan.FromMilliseconds(random.NextDouble() * wait.TotalMilliseconds * 0.5);
            await Task.Delay(jittered, cancellationToken).ConfigureAwait(false);
        }

        static TimeSpan? Counted(ref long counter, TimeSpan wait)
        {
            Interlocked.Increment(ref counter);
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
    }

    /// <summary>
    /// An administrator's token: the dev-token endpoint never issues <c>admin</c>, so on a local run the tool signs one
    /// with the profile's key, as the gateway would validate it.
    /// </summary>
    public static string AdminToken(SystemUnderTest system, string userId) =>
        TokenMinter.ForLocalRun(system)?.Mint(userId, "admin", TimeSpan.FromHours(4))
        ?? throw new ScenarioException("an admin token needs the profile's jwt-signing-key (a local run); the dev-token endpoint never issues admin");

    public async Task<string> LoginAsync(LoadStats? stats, string userId, string role, Random random, CancellationToken cancellationToken)
    {
        var reply = await WithRetriesAsync(
            () => client.SendJsonAsync(stats, "login", HttpMethod.Post, "/api/auth/dev-token", new { userId, roles = new[] { role } }, cancellationToken),
            random, cancellationToken).ConfigureAwait(false);
        return reply.IsSuccess
            ? reply.Json().GetProperty("accessToken").GetString()!
            : throw new ScenarioException($"dev-token for {userId} failed: {Describe(reply)}");
    }

    public async Task<StockSnapshot?> GetStockAsync(string adminToken, string productId, CancellationToken cancellationToken, int maxAttempts = MaxAttempts)
    {
        var reply = await WithRetriesAsync(() => client.GetAsync(null, "stock", $"/api/inventory/{productId}", cancellationToken, adminToken), Random.Shared, cancellationToken,
            maxAttempts: maxAttempts).ConfigureAwait(false);
        if (reply.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
        return reply.IsSuccess ? ReadStock(reply.Json()) : throw new ScenarioException($"GET /api/inventory/{productId}: {Describe(reply)}");
    }

    public async Task<StockSnapshot> SetStockAsync(string adminToken, string productId, int available, CancellationToken cancellationToken)
    {
        var reply = await WithRetriesAsync(
            () => client.SendJsonAsync(null, "stock", HttpMethod.Put, $"/api/inventory/{productId}", new { available }, cancellationToken, adminToken),
            Random.Shared, cancellationToken).ConfigureAwait(false);
        return reply.IsSuccess ? ReadStock(reply.Json()) : throw new ScenarioException($"PUT /api/inventory/{productId}: {Describe(reply)}");
    }

    private static StockSnapshot ReadStock(JsonElement json) =>
        new(json.GetProperty("available").GetInt32(), json.GetProperty("reserved").GetInt32(), json.GetProperty("sold").GetInt32());

    /// <summary>Category ids, then up to <paramref name="count"/> products spread over them (search pages of 100).</summary>
    public async Task<(IReadOnlyList<string> Categories, IReadOnlyList<CatalogProduct> Products)> DiscoverCatalogAsync(int count, CancellationToken cancellationToken)
    {
        var categoriesReply = await WithRetriesAsync(() => client.GetAsync(null, "discover", "/api/catalog/categories", cancellationToken), Random.Shared, cancellationToken).ConfigureAwait(false);
        if (!categoriesReply.IsSuccess)
        {
            throw new ScenarioException($"GET /api/catalog/categories: {Describe(categoriesReply)}");
        }
        var categories = categoriesReply.Json().EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
        var products = new List<CatalogProduct>();
        var perCategory = Math.Max(1, (int)Math.Ceiling(count / (double)Math.Max(1, categories.Count)));
        foreach (var category in categories)
        {
            for (var page = 1; page <= (perCategory + 99) / 100; page++)
            {
                var size = Math.Min(100, perCategory - (page - 1) * 100);
                var reply = await WithRetriesAsync(
                    () => client.GetAsync(null, "discover", $"/api/catalog/products?category={Uri.EscapeDataString(category)}&pageSize={size}&page={page}", cancellationToken),
                    Random.Shared, cancellationToken).ConfigureAwait(false);
                if (!reply.IsSuccess)
                {
                    throw new ScenarioException($"catalog search: {Describe(reply)}");
                }
                var items = reply.Json().GetProperty("items").EnumerateArray().ToList();
                products.AddRange(items.Select(p => new CatalogProduct(p.GetProperty("id").GetString()!, p.GetProperty("price").GetDecimal(), category)));
                if (items.Count < size)
                {
                    break;
                }
            }
        }
        if (products.Count == 0)
        {
            throw new ScenarioException("The catalog returned no products; is it seeded?");
        }
        return (categories, products.Take(count).ToList());
    }

    /// <summary>
    /// A 409 that is an answer, not "try again": buy-now's sold-out gate (<c>sold-out</c>) or the per-user cap
    /// (<c>purchase-limit</c>), told apart by the ProblemDetails type; null for any other reply (e.g. an
    /// idempotency key still in progress, which is retried after Retry-After).
    /// </summary>
    public static string? FinalConflict(Reply reply)
    {
        if (reply.Status != (int)HttpStatusCode.Conflict || reply.Body.Length == 0)
        {
            return null;
        }
        try
        {
            var json = reply.Json();
            var type = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return type switch
            {
                not null when type.EndsWith("/sold-out", StringComparison.Ordinal) => SoldOut,
                not null when type.EndsWith("/purchase-limit", StringComparison.Ordinal) => PurchaseLimit,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public const string SoldOut = "sold-out";
    public const string PurchaseLimit = "purchase-limit";

    public static string Describe(Reply reply)
    {
        if (reply.Status == LoadStats.NoResponse)
        {
            return "no response";
        }
        var text = reply.Text;
        return string.Create(CultureInfo.InvariantCulture, $"{reply.Status} {(text.Length > 300 ? text[..300] + "…" : text)}");
    }
}

/// <summary>A scenario could not run (not a failed invariant: the system or the setup is broken).</summary>
public sealed class ScenarioException(string message) : Exception(message);
