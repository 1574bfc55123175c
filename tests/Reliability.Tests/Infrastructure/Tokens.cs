using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// JWTs minted the way the gateway's dev tokens are (HS256 with components/local's <c>jwt-signing-key</c>), so buyers
/// need no token round trip and the API2 probes can forge the bad ones: no algorithm, wrong key, expired, wrong audience.
/// </summary>
public static class Tokens
{
    public const string Issuer = "flipkart-dapr";
    public const string Audience = "flipkart-dapr-api";

    private static readonly Lazy<byte[]> Key = new(() =>
    {
        using var secrets = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "components", "local", "secrets.json")));
        return Encoding.UTF8.GetBytes(secrets.RootElement.GetProperty("jwt-signing-key").GetString()!);
    });

    public static string For(string userId, string role = "customer") => Create(userId, role);

    public static string Create(string userId, string role, string audience = Audience, TimeSpan? lifetime = null, byte[]? key = null, string algorithm = "HS256")
    {
        var now = DateTimeOffset.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = algorithm, ["typ"] = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["role"] = role,
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["iat"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["nbf"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["exp"] = expires.ToUnixTimeSeconds(),
        }));
        if (algorithm == "none")
        {
            return $"{header}.{payload}.";
        }
        var signature = HMACSHA256.HashData(key ?? Key.Value, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
