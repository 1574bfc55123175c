using System.ComponentModel.DataAnnotations;

namespace Flipkart.Storefront;

public sealed class StorefrontOptions
{
    public const string SectionName = "Storefront";

    /// <summary>The gateway's public URL: the storefront is a client like any other and calls nothing else.</summary>
    [Required]
    public Uri GatewayUrl { get; set; } = new("http://127.0.0.1:8080");

    /// <summary>
    /// Offer the Development sign-in page (picks a demo user and asks the gateway's dev-token endpoint).
    /// Null = on in Development only. Production signs in through an external identity provider instead.
    /// </summary>
    public bool? DevSignIn { get; set; }

    /// <summary>The one SKU the flash-sale page sells.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string FlashSaleProductId { get; set; } = "MOB000001";

    /// <summary>Demo users offered by the Development sign-in page. A user id starting with <c>decline-</c> has its payments declined.</summary>
    public List<string> DemoUsers { get; set; } = ["asha", "ravi", "priya", "decline-demo"];

    [Range(1, 100)]
    public int SearchPageSize { get; set; } = 12;

    /// <summary>
    /// CIDR ranges of the proxies in front of the storefront (the ingress controller's pods) whose <c>X-Forwarded-For</c>
    /// and <c>X-Forwarded-Proto</c> are believed: the shopper's address and HTTPS (for <c>Secure</c> cookies) come from there.
    /// </summary>
    public string[] TrustedProxyNetworks { get; set; } = [];

    /// <summary>
    /// The secret every replica derives the shared Data Protection key ring from (antiforgery tokens, circuits). Required
    /// outside Development: with per-pod keys a form rendered by one pod fails on another.
    /// </summary>
    public string? DataProtectionKey { get; set; }
}
