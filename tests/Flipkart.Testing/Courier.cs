using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flipkart.Testing;

/// <summary>
/// The courier, from the outside: it signs each scan with the key the profile's secret store holds for it (the same
/// secret fulfilment reads) and posts it to the gateway's public webhook. Written from the documented contract
/// (docs/fulfilment.md), not from fulfilment's code.
/// </summary>
public sealed class Courier(Uri gateway, string profile)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(
        JsonNode.Parse(File.ReadAllText(Repository.Path("components", profile, "secrets.json")))!["courier-webhook-key"]!.GetValue<string>());

    public async Task<HttpStatusCode> ScanAsync(string trackingNumber, string type, CancellationToken cancellationToken, string? eventId = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            eventId = eventId ?? $"courier-{Guid.NewGuid():N}", trackingNumber, type, occurredAt = DateTimeOffset.UtcNow,
        });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        byte[] signed = [.. Encoding.ASCII.GetBytes(timestamp + "."), .. body];
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, signed));

        using var client = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/fulfilment/courier-events") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Courier-Timestamp", timestamp);
        request.Headers.Add("X-Courier-Signature", "v1=" + signature);
        using var response = await client.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }
}
