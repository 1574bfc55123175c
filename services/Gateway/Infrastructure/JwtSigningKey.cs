using System.Text;
using Dapr.Client;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Infrastructure;

/// <summary>The HS256 key for dev tokens, or null until it has been read from the Dapr secret store.</summary>
public sealed class JwtSigningKey
{
    public const string SecretName = "jwt-signing-key";

    /// <summary>HS256 needs at least 256 bits of key; shorter secrets are refused rather than padded.</summary>
    public const int MinimumKeyBytes = 32;

    private volatile SymmetricSecurityKey? current;

    public SymmetricSecurityKey? Current => current;

    public void Set(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < MinimumKeyBytes)
        {
            throw new InvalidOperationException($"Secret '{SecretName}' is {bytes.Length} bytes; HS256 needs at least {MinimumKeyBytes}.");
        }
        current = new SymmetricSecurityKey(bytes) { KeyId = "dev-hs256" };
    }
}

/// <summary>
/// Reads <c>jwt-signing-key</c> from the <c>secretstore</c> component at start-up, retrying until the sidecar
/// answers (it may start after us). Until then the gateway is not ready and every token is rejected.
/// </summary>
public sealed class JwtSigningKeyLoader(DaprClient dapr, JwtSigningKey key, ILogger<JwtSigningKeyLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var secret = await dapr.GetSecretAsync(DaprComponents.SecretStore, JwtSigningKey.SecretName, cancellationToken: stoppingToken);
                if (!secret.TryGetValue(JwtSigningKey.SecretName, out var value) || string.IsNullOrEmpty(value))
                {
                    throw new InvalidOperationException($"Secret store '{DaprComponents.SecretStore}' has no value for '{JwtSigningKey.SecretName}'.");
                }
                key.Set(value);
                logger.LogInformation("JWT signing key loaded from {SecretStore} after {Attempts} attempt(s)", DaprComponents.SecretStore, attempt);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not read {Secret} from {SecretStore} (attempt {Attempt}): {Reason}; retrying in {Delay}",
                    JwtSigningKey.SecretName, DaprComponents.SecretStore, attempt, ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}

public sealed class JwtSigningKeyHealthCheck(JwtSigningKey key) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(key.Current is not null
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"Waiting for '{JwtSigningKey.SecretName}' from the secret store"));
}
