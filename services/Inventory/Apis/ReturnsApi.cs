using Flipkart.Inventory.Domain;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Inventory.Apis;

public sealed record RestockAnswer(Guid OrderId, int UnitsRestocked);

/// <summary>
/// <c>POST /internal/returns/{orderId}/restock</c>: fulfilment puts a returned order's units back on the shelf. Not
/// under <c>api/</c>, so the gateway never routes it; on Kubernetes access control lets only fulfilment call it.
/// Idempotent by order id: a repeated call answers the same units and restocks nothing more.
/// </summary>
public static class ReturnsApi
{
    public const string ReturnedReason = "returned";

    public static IEndpointRouteBuilder MapReturnsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("internal/returns/{orderId:guid}/restock", RestockReturnedOrder).ExcludeFromDescription();
        return app;
    }

    public static async Task<Ok<RestockAnswer>> RestockReturnedOrder(Guid orderId, ReservationCoordinator coordinator, CancellationToken cancellationToken) =>
        await coordinator.RestockAsync(orderId, ReturnedReason, cancellationToken) is { } units
            ? TypedResults.Ok(new RestockAnswer(orderId, units))
            : throw new ConflictException("Nothing to restock", $"Order {orderId} was never sold, so none of its units can come back.");
}
