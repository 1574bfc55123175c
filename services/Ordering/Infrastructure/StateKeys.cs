using System.Security.Cryptography;
using System.Text;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>Keys in <c>order-store</c>. User ids and client keys are hashed: Dapr rejects keys containing <c>||</c>.</summary>
public static class StateKeys
{
    public static string Order(Guid orderId) => $"order-{orderId:N}";

    public static string UserOrders(string userId) => $"user-orders-{Hash(userId)}";

    public static string Idempotency(string userId, string idempotencyKey) => $"idempotency-{Hash($"{userId}\n{idempotencyKey}")}";

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

/// <summary>An ETag check failed: someone else changed the item since we read it. Retried by the caller.</summary>
public sealed class ConcurrencyConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A service this one depends on (cart, catalog) failed or answered nonsense; surfaced as 503.</summary>
public sealed class DependencyFailedException(string message, Exception? inner = null) : Exception(message, inner);
