using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Scenarios;

/// <summary>
/// Signs buyers' tokens in the tool, as the gateway's dev-token endpoint does (HS256 with the profile's dev
/// <c>jwt-signing-key</c>, the gateway's issuer and audience), so a flash sale's waiting room does not spend thousands
/// of sign-in round trips before the sale. Only for a local run whose profile carries that key in its secrets file.
/// </summary>
public sealed class TokenMinter(byte[] key)
{
    public const string Issuer = "flipkart-dapr";
    public const string Audience = "flipkart-dapr-api";

    public static TokenMinter? ForLocalRun(SystemUnderTest system)
    {
        if (system.ProfileFolder is not { } folder || !File.Exists(Path.Combine(folder, "secrets.json")))
        {
            return null;
        }
        try
        {
            using var secrets = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "secrets.json")));
            return secrets.RootElement.TryGetProperty("jwt-signing-key", out var value) && value.GetString() is { Length: >= 32 } text
                ? new TokenMinter(Encoding.UTF8.GetBytes(text))
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    public string Mint(string userId, string role, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["role"] = role,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        }));
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
