using System.Text.Json;

namespace Flipkart.Storefront.Gateway;

/// <summary>
/// An API error in words a shopper can read: the ProblemDetails <c>title</c> and <c>detail</c> (or its validation
/// messages), never the raw body.
/// </summary>
/// <param name="Type">The ProblemDetails <c>type</c> URI, for the few answers a page branches on (e.g. sold out).</param>
public sealed record ApiProblem(string Title, string? Detail, int Status, string? Type = null)
{
    public static ApiProblem Unreachable(string what) =>
        new("The shop is not reachable right now", $"Could not {what}. Please try again in a moment.", 503);

    /// <summary>Reads a ProblemDetails body; anything else becomes a generic message with the status code.</summary>
    public static ApiProblem Parse(int status, string? body)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
                {
                    var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                    {
                        var messages = errors.EnumerateObject()
                            .SelectMany(e => e.Value.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray().Select(m => m.GetString()) : [])
                            .OfType<string>();
                        detail = string.Join(" ", new[] { detail }.OfType<string>().Concat(messages));
                    }
                    var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    return new ApiProblem(title.GetString()!, string.IsNullOrWhiteSpace(detail) ? null : detail, status, type);
                }
            }
            catch (JsonException)
            {
                // Not JSON: fall through to the generic message rather than echoing the body.
            }
        }
        return status switch
        {
            401 => new ApiProblem("Please sign in again", "Your session has expired.", status),
            404 => new ApiProblem("Not found", null, status),
            429 => new ApiProblem("Too many requests", "Please wait a few seconds and try again.", status),
            >= 500 => new ApiProblem("The shop is having trouble", $"The server answered {status}. Please try again.", status),
            _ => new ApiProblem("The request was not accepted", $"The server answered {status}.", status),
        };
    }
}

public sealed record ApiResult<T>(T? Value, ApiProblem? Problem, int Status)
{
    public bool IsSuccess => Problem is null;

    public T Required => Value ?? throw new InvalidOperationException("No value: " + Problem?.Title);
}
