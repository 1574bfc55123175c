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

    /// <summary>
    /// Order-event streams one user may hold open at once (on this replica); the next is refused with 429. Each stream
    /// lasts up to half an hour and reads the store every second, so an uncapped client could hold thousands.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxStreamsPerUser { get; set; } = 10;

    /// <summary>Serve <c>/docs</c> and the OpenAPI documents; null = only in Development (they map the whole API surface).</summary>
    public bool? ApiDocs { get; set; }
}

public sealed class AuthOptions
{
    /// <summary>Issuer and audience of dev tokens when <see cref="Issuer"/> and <see cref="Audience"/> are not set.</summary>
    public const string DevIssuer = "flipkart-dapr";
    public const string DevAudience = "flipkart-dapr-api";

    /// <summary>The <c>iss</c> tokens must carry: the identity provider's issuer (required outside Development).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> tokens must carry (for Cognito access tokens, which have none: their <c>client_id</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>OpenID Connect authority (an https URL) whose discovery document and keys validate tokens; required outside Development.</summary>
    public string? Authority { get; set; }

    public DevTokenOptions DevTokens { get; set; } = new();
}

public sealed class DevTokenOptions
{
    /// <summary>
    /// Issue HS256 tokens at <c>POST /api/auth/dev-token</c>: on by default in Development, and refused at start-up
    /// anywhere else (anyone reaching the gateway could mint themselves any user).
    /// </summary>
    public bool? Enabled { get; set; }

    [Range(1, 24 * 60)]
    public int LifetimeMinutes { get; set; } = 60;
}
