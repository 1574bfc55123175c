using System.Security.Cryptography;

namespace Flipkart.Fulfilment.Domain;

/// <summary>
/// The simulated warehouse's inspection of a returned parcel: a share <c>rejectionRate</c> of returns fails, chosen by
/// the order id, so a retried inspection of the same parcel always reaches the same verdict.
/// </summary>
public static class ReturnInspection
{
    public const string Accepted = "the item passed inspection";

    private static readonly string[] RejectionReasons =
    [
        "the item is damaged beyond normal use",
        "parts or accessories are missing",
        "the returned item is not the one sold",
    ];

    public static (bool Accepted, string Reason) Inspect(Guid orderId, double rejectionRate)
    {
        var hash = SHA256.HashData(orderId.ToByteArray());
        var draw = BitConverter.ToUInt32(hash, 0) / (uint.MaxValue + 1.0); // in [0, 1)
        return draw < rejectionRate
            ? (false, RejectionReasons[hash[4] % RejectionReasons.Length])
            : (true, Accepted);
    }
}
