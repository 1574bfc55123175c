using System.Security.Cryptography;
using System.Text.Json;
using Flipkart.Ordering.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Apis;

/// <summary>
/// A POST that must take effect at most once: its <c>Idempotency-Key</c> and its raw body, read with a size bound,
/// bound as a handler parameter. A missing or malformed key is 400 and a body over
/// <see cref="OrderingOptions.MaxRequestBodyBytes"/> 413, both before anything is stored.
/// </summary>
public sealed record IdempotentRequest(string Key, byte[] Body)
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// What identifies "the same request" for this key: the body, and for any other operation than checkout its
    /// name, so the same key sent to checkout and to buy-now is a reuse (422).
    /// </summary>
    public string Fingerprint(string? operation = null) =>
        Convert.ToHexStringLower(SHA256.HashData(operation is null ? Body : [.. System.Text.Encoding.UTF8.GetBytes($"{operation}\n"), .. Body]));

    /// <summary>The body as <typeparamref name="T"/> under the strict client JSON rules (unknown members are 400); an empty body is null.</summary>
    public T? Read<T>(JsonSerializerOptions json) where T : class =>
        Body.Length == 0 ? null : JsonSerializer.Deserialize<T>(Body, json);

    public static async ValueTask<IdempotentRequest?> BindAsync(HttpContext context)
    {
        var key = ReadKey(context.Request)
            ?? throw new InvalidRequestException("Idempotency-Key required",
                $"Send a unique {Header} header (at most {IdempotencyRules.MaxKeyLength} printable ASCII characters) so a retried request cannot create a second order.");
        var limit = context.RequestServices.GetRequiredService<IOptionsMonitor<OrderingOptions>>().CurrentValue.MaxRequestBodyBytes;
        var body = await ReadBoundedBodyAsync(context.Request, limit, context.RequestAborted)
            ?? throw new BadHttpRequestException($"A request body may have at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        return new IdempotentRequest(key, body);
    }

    /// <summary>The draft's header is a structured-field string (quoted); a bare token is accepted too.</summary>
    private static string? ReadKey(HttpRequest request)
    {
        var values = request.Headers[Header];
        if (values.Count != 1)
        {
            return null;
        }
        var key = values[0]!.Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }
        return IdempotencyRules.IsValidKey(key) ? key : null;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    private static async Task<byte[]?> ReadBoundedBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
