using System.ComponentModel.DataAnnotations;

namespace Flipkart.Gateway;

public sealed class GatewayOptions
{
    /// <summary>Requests per window for one anonymous client IP.</summary>
    [Range(1, 1_000_000)]
    public int AnonymousPermitLimit { get; set; } = 100;

    /// <summary>Requests per window for one signed-in user (token <c>sub</c>), wherever they call from.</summary>
    [Range(1, 1_000_000)]
    public int UserPermitLimit { get; set; } = 300;

    [Range(1, 3_600)]
    public int RateLimitWindowSeconds { get; set; } = 10;

    [Range(1_024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    [Range(256, 16 * 1024)]
    public int MaxQueryStringLength { get; set; } = 4 * 1024;

    /// <summary>
    /// CIDR ranges of proxies in front of the gateway (e.g. the ingress controller's pod network) whose
    /// <c>X-Forwarded-For</c> is believed; without them every client behind an ingress shares one per-IP quota.
    /// </summary>
    public string[] TrustedProxyNetworks { get; set; } = [];

    /// <summary>Idle limit for ordinary proxied calls.</summary>
    [Range(1, 600)]
    public int ProxyTimeoutSeconds { get; set; } = 30;

    /// <summary>Idle limit for server-sent event streams (order events), which stay open between events.</summary>
    [Range(1, 24 * 60)]
    public int StreamingTimeoutMinutes { get; set; } = 60;
}

public sealed class AuthOptions
{
    [Required]
    public string Issuer { get; set; } = "flipkart-dapr";

    [Required]
    public string Audience { get; set; } = "flipkart-dapr-api";

    /// <summary>OpenID Connect authority used when dev tokens are off (production identity provider).</summary>
    public string? Authority { get; set; }

    public DevTokenOptions DevTokens { get; set; } = new();
}

public sealed class DevTokenOptions
{
    /// <summary>Issue HS256 tokens at <c>POST /api/auth/dev-token</c>; defaults to on in Development only.</summary>
    public bool? Enabled { get; set; }

    [Range(1, 24 * 60)]
    public int LifetimeMinutes { get; set; } = 60;
}
