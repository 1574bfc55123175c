using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Services;

/// <summary>Buy-now asked for more than the product's per-buyer cap: 409 with its own problem type. No order was made.</summary>
public sealed class PurchaseLimitExceededException(string productId, int? perUserLimit)
    : ConflictException("Purchase limit exceeded", perUserLimit is { } limit
        ? $"At most {limit} of product '{productId}' per buyer."
        : $"This would take you past the most of product '{productId}' one buyer may hold and buy.", PurchaseLimitProblemType)
{
    public const string PurchaseLimitProblemType = "https://flipkart.dapr.dev/problems/purchase-limit";
}
