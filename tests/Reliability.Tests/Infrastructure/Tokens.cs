using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Flipkart.Testing;

namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// Buyers' tokens come from an in-test OpenID Connect provider that the Production gateway validates for real
/// (discovery and keys over HTTPS), so buyers need no sign-in round trip and the API2 probes can forge the bad ones:
/// no algorithm, a key the provider never published, expired, another audience, or a dev token.
/// </summary>
public static class Tokens
{
    public const string Audience = "flipkart-shop-reliability";

    private static readonly Lazy<TestIdentityProvider> Provider = new(
        () => TestIdentityProvider.StartAsync(Audience, CancellationToken.None).GetAwaiter().GetResult(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static TestIdentityProvider Identity => Provider.Value;

    /// <summary>The gateway's settings for this provider (environment variables), plus the trust store to reach it.</summary>
    public static Dictionary<string, string> GatewaySettings() => new(Identity.TrustEnvironment)
    {
        ["Auth__Authority"] = Identity.Authority.ToString(),
        ["Auth__Issuer"] = Identity.Issuer,
        ["Auth__Audience"] = Audience,
    };

    public static string For(string userId, string role = "customer") => Identity.Token(userId, [role]);

    /// <summary>A provider token with overrides; <paramref name="key"/> signs HS256 with an attacker's own secret instead.</summary>
    public static string Create(string userId, string role, string audience = Audience, TimeSpan? lifetime = null, byte[]? key = null, string algorithm = "RS256")
    {
        if (key is not null)
        {
            return Hs256(userId, role, Identity.Issuer, audience, lifetime, key);
        }
        return Identity.Token(userId, [role], audience, lifetime, unsigned: algorithm == "none");
    }

    /// <summary>
    /// What <c>POST /api/auth/dev-token</c> of a Development gateway on components/local issues: HS256 with the profile's
    /// <c>jwt-signing-key</c>, issuer <c>flipkart-dapr</c>, audience <c>flipkart-dapr-api</c>.
    /// </summary>
    public static string DevToken(string userId, string role) => DevSigningKeyTokens.Create(Repository.Root, "local", userId, role);

    private static string Hs256(string userId, string role, string issuer, string audience, TimeSpan? lifetime, byte[] key)
    {
        var now = DateTimeOffset.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["role"] = role,
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["nbf"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["exp"] = expires.ToUnixTimeSeconds(),
        }));
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
