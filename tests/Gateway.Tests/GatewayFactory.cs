using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Flipkart.Gateway.Apis;
using Flipkart.Gateway.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Tests;

/// <summary>
/// The gateway under test, pointed at a given sidecar HTTP endpoint. By default the signing key is handed in
/// directly (the secret-store path is covered by the embedded-sidecar tests), so these tests need no Dapr.
/// </summary>
public sealed class GatewayFactory(Uri sidecar, IReadOnlyDictionary<string, string?>? settings = null, bool presetSigningKey = true)
    : WebApplicationFactory<Program>
{
    public const string SigningKey = "gateway-tests-signing-key-0123456789-abcdef";
    public const string Issuer = "flipkart-dapr";
    public const string Audience = "flipkart-dapr-api";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("DAPR_HTTP_ENDPOINT", sidecar.ToString().TrimEnd('/'));
        // Nothing listens here; the gRPC client is only used to read the secret, which these tests preset.
        builder.UseSetting("DAPR_GRPC_ENDPOINT", "http://127.0.0.1:9");
        builder.UseSetting("GatewayOptions:AnonymousPermitLimit", "10000");
        builder.UseSetting("GatewayOptions:UserPermitLimit", "10000");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (presetSigningKey)
        {
            builder.ConfigureTestServices(services =>
            {
                var loader = services.Single(d => d.ImplementationType == typeof(JwtSigningKeyLoader));
                services.Remove(loader);
                var key = new JwtSigningKey();
                key.Set(SigningKey);
                services.AddSingleton(key);
            });
        }
    }

    public async Task<string> DevTokenAsync(string userId, params string[] roles)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/dev-token", new { userId, roles = roles.Length == 0 ? null : roles }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<DevToken>(TestContext.Current.CancellationToken);
        return token!.AccessToken;
    }

    public HttpClient CreateClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Mints tokens the way an attacker or a misconfigured issuer might.</summary>
    public static string MintToken(string userId = "u-1", string[]? roles = null, string issuer = Issuer, string audience = Audience,
        string key = SigningKey, DateTime? expires = null, DateTime? notBefore = null)
    {
        var claims = new List<Claim> { new("sub", userId) };
        claims.AddRange((roles ?? ["customer"]).Select(r => new Claim("role", r)));
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = notBefore ?? expiry.AddHours(-2),
            IssuedAt = notBefore ?? expiry.AddHours(-2),
            Expires = expiry,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string MintUnsignedToken(string userId = "u-1", string role = "admin")
    {
        var now = DateTimeOffset.UtcNow;
        var header = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var payload = Base64Url($"{{\"sub\":\"{userId}\",\"role\":\"{role}\",\"iss\":\"{Issuer}\",\"aud\":\"{Audience}\",\"nbf\":{now.AddMinutes(-1).ToUnixTimeSeconds()},\"exp\":{now.AddHours(1).ToUnixTimeSeconds()}}}");
        return $"{header}.{payload}.";
    }

    public static string Base64Url(string json) => Base64UrlEncoder.Encode(json);
}
