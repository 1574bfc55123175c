using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flipkart.Testing;

/// <summary>
/// Tokens a Development gateway accepts, signed the way its dev-token endpoint signs them (HS256 with the profile's
/// <c>jwt-signing-key</c>, issuer <c>flipkart-dapr</c>, audience <c>flipkart-dapr-api</c>). The endpoint never issues
/// <c>admin</c>, so tests that stock inventory or edit the catalog on a local run sign their administrator here.
/// </summary>
public static class DevSigningKeyTokens
{
    public const string Issuer = "flipkart-dapr";
    public const string Audience = "flipkart-dapr-api";

    /// <summary>A token for <paramref name="userId"/> with <paramref name="role"/>, signed with <c>components/&lt;profile&gt;/secrets.json</c>'s key.</summary>
    public static string Create(string repositoryRoot, string profile, string userId, string role, string issuer = Issuer, string audience = Audience)
    {
        using var secrets = JsonDocument.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "components", profile, "secrets.json")));
        var key = Encoding.UTF8.GetBytes(secrets.RootElement.GetProperty("jwt-signing-key").GetString()!);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["role"] = role,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 3600,
        }));
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
