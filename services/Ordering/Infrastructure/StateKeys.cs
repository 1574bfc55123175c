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
