using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.ServiceDefaults;

namespace Flipkart.Ordering.Infrastructure;

/// <summary>
/// Asks fulfilment, which owns the parcel, to stop it (cancel before hand-over) or to take it back (a return), on the
/// caller's behalf (service invocation with the caller's identity headers). Fulfilment's refusals (409: the courier
/// has it, not delivered yet, window closed, already requested) come back as the same ProblemDetails, reason included.
/// </summary>
public sealed class FulfilmentClient(HttpClient http)
{
    public Task CancelAsync(Guid orderId, string userId, CancellationToken cancellationToken) =>
        SendAsync($"internal/shipments/{orderId}/cancel", userId, body: null, cancellationToken);

    public Task RequestReturnAsync(Guid orderId, string userId, string reason, CancellationToken cancellationToken) =>
        SendAsync($"internal/shipments/{orderId}/return", userId, new { reason }, cancellationToken);

    private async Task SendAsync(string path, string userId, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add(CallerIdentity.UserIdHeader, userId);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var problem = await ReadProblemAsync(response, cancellationToken);
        throw response.StatusCode switch
        {
            HttpStatusCode.Conflict => new ConflictException(problem.Title ?? "Conflict", problem.Detail ?? "Fulfilment refused the request.", problem.Type),
            HttpStatusCode.BadRequest => new InvalidRequestException(problem.Title ?? "Invalid request", problem.Detail ?? "Fulfilment refused the request."),
            _ => new DependencyUnavailableException($"Fulfilment answered {(int)response.StatusCode} to {path}: {problem.Detail}"),
        };
    }

    private static async Task<Problem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(cancellationToken) ?? new Problem();
        }
        catch (JsonException)
        {
            return new Problem();
        }
    }

    private sealed record Problem(string? Title = null, string? Detail = null, string? Type = null);
}
