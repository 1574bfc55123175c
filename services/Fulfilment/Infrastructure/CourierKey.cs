using System.Text;
using Dapr.Client;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Fulfilment.Infrastructure;

/// <summary>
/// The courier's HMAC key, read from <c>secretstore</c> through the sidecar (never from configuration) and kept for a
/// few minutes, so a rotated key is picked up without a restart and a webhook burst costs one secret read.
/// </summary>
public sealed class CourierKey(DaprClient dapr, IOptionsMonitor<FulfilmentOptions> options, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);
    private (byte[] Key, DateTimeOffset ReadAt)? cached;

    public async Task<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cached is { } entry && now - entry.ReadAt < CacheFor)
        {
            return entry.Key;
        }

        var name = options.CurrentValue.CourierKeySecret;
        Dictionary<string, string> secret;
        try
        {
            secret = await dapr.GetSecretAsync(DaprComponents.SecretStore, name, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is Dapr.DaprException or HttpRequestException)
        {
            throw new DependencyUnavailableException($"Could not read the courier key '{name}' from {DaprComponents.SecretStore}.", ex);
        }
        if (!secret.TryGetValue(name, out var value) || value.Length < 16)
        {
            throw new DependencyUnavailableException($"The secret '{name}' is missing or shorter than 16 characters.");
        }
        var key = Encoding.UTF8.GetBytes(value);
        cached = (key, now);
        return key;
    }
}
