using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flipkart.Testing;

/// <summary>
/// An OpenID Connect provider for tests, so a Production gateway validates tokens against a real authority instead of
/// being switched into a test mode: discovery and JWKS over HTTPS on loopback (a self-signed certificate whose PEM,
/// handed to the gateway process as <c>SSL_CERT_FILE</c>, is the only root it trusts), RS256 tokens with a key id.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _signingKey;
    private readonly string _keyId;
    private readonly string _certificateFolder;

    private TestIdentityProvider(WebApplication app, RSA signingKey, string keyId, string certificateFolder, Uri authority, string audience)
    {
        _app = app;
        _signingKey = signingKey;
        _keyId = keyId;
        _certificateFolder = certificateFolder;
        Authority = authority;
        Audience = audience;
    }

    /// <summary>The authority (and issuer): <c>https://127.0.0.1:{port}/tenant</c>.</summary>
    public Uri Authority { get; }

    public string Issuer => Authority.ToString().TrimEnd('/');

    public string Audience { get; }

    /// <summary>A PEM file holding the provider's certificate: the trust store to give a process that must reach it.</summary>
    public string CaBundlePath => Path.Combine(_certificateFolder, "ca.pem");

    /// <summary>Discovery requests served so far (the gateway fetched the metadata, so it validated for real).</summary>
    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    private int _discoveryRequests;

    /// <summary>What a process needs to trust and use this provider, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> TrustEnvironment => new Dictionary<string, string> { ["SSL_CERT_FILE"] = CaBundlePath };

    public static async Task<TestIdentityProvider> StartAsync(string audience, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("test-oidc-").FullName;
        using var certificateKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", certificateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Round-trip through PKCS#12 so Kestrel gets a certificate whose private key it can use on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        await File.WriteAllTextAsync(Path.Combine(folder, "ca.pem"), certificate.ExportCertificatePem() + "\n", cancellationToken);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var signingKey = RSA.Create(2048);
        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        TestIdentityProvider? provider = null;

        app.MapGet("/tenant/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref provider!._discoveryRequests);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = provider.Issuer,
                ["jwks_uri"] = provider.Issuer + "/keys",
                ["authorization_endpoint"] = provider.Issuer + "/authorize",
                ["token_endpoint"] = provider.Issuer + "/token",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
            });
        });
        app.MapGet("/tenant/keys", () =>
        {
            var parameters = signingKey.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = keyId,
                        ["n"] = Base64Url(parameters.Modulus!), ["e"] = Base64Url(parameters.Exponent!),
                    },
                },
            });
        });
        await app.StartAsync(cancellationToken);
        var port = new Uri(app.Urls.First()).Port;
        provider = new TestIdentityProvider(app, signingKey, keyId, folder, new Uri($"https://127.0.0.1:{port}/tenant/"), audience);
        return provider;
    }

    /// <summary>
    /// A signed access token as the identity provider would issue it. The overrides forge the bad ones: another
    /// audience, an expired lifetime, a key the provider never published, or no signature at all (<c>alg: none</c>).
    /// </summary>
    public string Token(string userId, IReadOnlyList<string> roles, string? audience = null, TimeSpan? lifetime = null, RSA? signWith = null, bool unsigned = false)
    {
        var now = DateTimeOffset.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        var header = new Dictionary<string, object> { ["alg"] = unsigned ? "none" : "RS256", ["typ"] = "JWT", ["kid"] = _keyId };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = audience ?? Audience,
            ["sub"] = userId,
            ["role"] = roles.Count == 1 ? roles[0] : roles.ToArray(),
            ["iat"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["nbf"] = Math.Min(now.ToUnixTimeSeconds(), expires.ToUnixTimeSeconds() - 1),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload))}";
        if (unsigned)
        {
            return signed + ".";
        }
        var signature = (signWith ?? _signingKey).SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url(signature)}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _signingKey.Dispose();
        try
        {
            Directory.Delete(_certificateFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
