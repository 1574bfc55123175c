using System.ComponentModel.DataAnnotations;

namespace Flipkart.Cart;

public sealed class CartOptions
{
    /// <summary>A cart untouched this long disappears (state TTL, refreshed on every save).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often a save that lost an ETag race is retried before the request gives up with 409.</summary>
    [Range(1, 20)]
    public int ConcurrencyRetries { get; set; } = 8;
}
