using System.Net;
using System.Net.Http.Json;
using Flipkart.Fulfilment.Workflows;

namespace Flipkart.Fulfilment.Infrastructure;

/// <summary>
/// Payment's refund of a returned order, by service invocation. Payment refunds each order at most once and answers a
/// repeated call with the refund it already made, so a retried activity cannot pay twice.
/// </summary>
public sealed class PaymentClient(HttpClient http)
{
    public async Task<Refund> RefundAsync(Guid orderId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"internal/refunds/{orderId}", content: null, cancellationToken);
        await EnsureSuccessAsync(response, "payment", orderId, cancellationToken);
        return await response.Content.ReadFromJsonAsync<Refund>(cancellationToken)
            ?? throw new InvalidOperationException($"Payment answered no refund for order {orderId}.");
    }

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string app, Guid orderId, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        // A 4xx will never succeed on retry, but a retry is still what the workflow does: the failure lands in the
        // instance's failure details after the bounded attempts, for an operator to see.
        throw new HttpRequestException($"{app} answered {(int)response.StatusCode} for order {orderId}: {body}", null,
            response.StatusCode is HttpStatusCode status ? status : null);
    }
}

/// <summary>Inventory's restock of a returned order, by service invocation; inventory restocks each order at most once.</summary>
public sealed class InventoryClient(HttpClient http)
{
    public async Task<int> RestockAsync(Guid orderId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"internal/returns/{orderId}/restock", content: null, cancellationToken);
        await PaymentClient.EnsureSuccessAsync(response, "inventory", orderId, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<RestockAnswer>(cancellationToken))?.UnitsRestocked ?? 0;
    }

    private sealed record RestockAnswer(int UnitsRestocked);
}
