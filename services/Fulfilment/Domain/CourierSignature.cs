using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flipkart.Fulfilment.Domain;

/// <summary>
/// The courier's webhook signature: <c>X-Courier-Signature: v1=&lt;hex HMAC-SHA256&gt;</c> over
/// <c>"{X-Courier-Timestamp}.{raw body}"</c> with the shared key. Signing the timestamp with the body means a captured
/// request cannot be replayed later with a fresh timestamp; the event id (checked elsewhere) stops a replay inside
/// the tolerance window.
/// </summary>
public static class CourierSignature
{
    public const string SignatureHeader = "X-Courier-Signature";
    public const string TimestampHeader = "X-Courier-Timestamp";
    private const string Version = "v1=";

    public static string Sign(byte[] key, long unixSeconds, ReadOnlySpan<byte> body) =>
        Version + Convert.ToHexStringLower(Mac(key, unixSeconds, body));

    public static CourierSignatureCheck Check(
        byte[] key, string? signatureHeader, string? timestampHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(signatureHeader) || string.IsNullOrEmpty(timestampHeader))
        {
            return CourierSignatureCheck.Missing;
        }
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)
            || !signatureHeader.StartsWith(Version, StringComparison.Ordinal))
        {
            return CourierSignatureCheck.Malformed;
        }
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signatureHeader.AsSpan(Version.Length));
        }
        catch (FormatException)
        {
            return CourierSignatureCheck.Malformed;
        }
        // The MAC first, in constant time: an attacker learns nothing from how fast a wrong guess is refused.
        if (!CryptographicOperations.FixedTimeEquals(presented, Mac(key, unixSeconds, body)))
        {
            return CourierSignatureCheck.Invalid;
        }
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unixSeconds, 0, 253402300799));
        return (now - sentAt).Duration() > tolerance ? CourierSignatureCheck.Stale : CourierSignatureCheck.Valid;
    }

    private static byte[] Mac(byte[] key, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, signed);
    }
}

public enum CourierSignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Invalid,
    /// <summary>Correctly signed, but its timestamp is outside the tolerance: a late replay or a badly skewed clock.</summary>
    Stale,
}
