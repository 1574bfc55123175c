using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Flipkart.Storefront.Hosting;

/// <summary>
/// A Data Protection key ring every replica derives from the same secret (a Kubernetes Secret in the environment), so
/// antiforgery tokens and protected state written by one pod open on any other. The key is fixed: automatic key
/// generation is off, and rotating means changing the secret (pages rendered before then ask for a reload).
/// Key id and master key come from the secret through HKDF; the XML is Data Protection's own key format.
/// </summary>
public sealed class SharedKeyRing(string secret) : IXmlRepository
{
    /// <summary>HKDF input needs real entropy: `openssl rand -base64 48` gives 48 bytes.</summary>
    public const int MinimumSecretLength = 32;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var input = Encoding.UTF8.GetBytes(secret);
        var id = new Guid(HKDF.DeriveKey(HashAlgorithmName.SHA256, input, 16, info: "flipkart-storefront key id"u8.ToArray()));
        var masterKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, input, 64, info: "flipkart-storefront master key"u8.ToArray());
        const string dates = "2000-01-01T00:00:00Z";
        XNamespace dataProtection = "http://schemas.asp.net/2015/03/dataProtection";
        var key = new XElement("key",
            new XAttribute("id", id),
            new XAttribute("version", 1),
            new XElement("creationDate", dates),
            new XElement("activationDate", dates),
            new XElement("expirationDate", "9999-01-01T00:00:00Z"),
            new XElement("descriptor",
                new XAttribute("deserializerType", typeof(AuthenticatedEncryptorDescriptorDeserializer).AssemblyQualifiedName!),
                new XElement("descriptor",
                    new XElement("encryption", new XAttribute("algorithm", "AES_256_CBC")),
                    new XElement("validation", new XAttribute("algorithm", "HMACSHA256")),
                    new XElement("masterKey",
                        new XAttribute(dataProtection + "requiresEncryption", "true"),
                        new XElement("value", Convert.ToBase64String(masterKey))))));
        return [key];
    }

    public void StoreElement(XElement element, string friendlyName) =>
        throw new InvalidOperationException("The storefront's key ring comes from Storefront:DataProtectionKey; it never creates keys.");
}
