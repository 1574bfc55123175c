using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Services;

/// <summary>Buy-now's gate found nothing left: 409 with a problem type clients branch on. No order was made.</summary>
public sealed class SoldOutException(string productId)
    : ConflictException("Sold out", $"Product '{productId}' is sold out.", SoldOutProblemType)
{
    public const string SoldOutProblemType = "https://flipkart.dapr.dev/problems/sold-out";
}
