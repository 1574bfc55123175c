using Flipkart.Storefront.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.Storefront.Tests;

/// <summary>Replicas that share the secret share the key ring: what one protects (antiforgery tokens), another opens.</summary>
public sealed class SharedKeyRingTests
{
    private static IDataProtector Replica(string secret)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("flipkart-storefront").DisableAutomaticKeyGeneration();
        services.Configure<KeyManagementOptions>(keys => keys.XmlRepository = new SharedKeyRing(secret));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("antiforgery");
    }

    [Fact]
    public void A_payload_protected_by_one_replica_opens_on_another_with_the_same_secret()
    {
        const string secret = "c2hhcmVkLXNlY3JldC1mb3ItZXZlcnktc3RvcmVmcm9udC1yZXBsaWNhLTAxMjM0NTY3";

        var token = Replica(secret).Protect("form token");

        Assert.Equal("form token", Replica(secret).Unprotect(token));
    }

    [Fact]
    public void Another_secret_cannot_open_it()
    {
        var token = Replica("one-secret-that-is-long-enough-for-hkdf-0123456789").Protect("form token");

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Replica("another-secret-long-enough-for-hkdf-0123456789").Unprotect(token));
    }
}
