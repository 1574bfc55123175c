using Flipkart.Inventory.Domain;
using Flipkart.Inventory.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Inventory.Apis;

/// <summary>The order ordering is about to commit: who buys, what, and until when the hold must last.</summary>
public sealed record HoldRequest(string? UserId, decimal Total, DateTimeOffset ExpiresAt, IReadOnlyList<OrderLine>? Lines);

/// <summary>
/// The order's reservation as stored: <c>Reserved</c> (held until <c>expiresAt</c>), <c>Failed</c> (with the
/// reason and product, as StockReservationFailed would say), or a later state (<c>Released</c>, <c>Committed</c>) when
/// the order id was already settled.
/// </summary>
public sealed record HoldAnswer(Guid OrderId, ReservationStatus Status, DateTimeOffset ExpiresAt, string? Reason = null, string? ProductId = null);

/// <summary>
/// <c>POST /internal/reservations/{orderId}</c>: ordering holds a buy-now order's stock before it commits the order,
/// so a flash-sale buyer learns in one call whether a unit is theirs. Idempotent by order id (a retry answers the
/// stored outcome and holds nothing more); publishes nothing — the committed order's OrderSubmitted announces the
/// outcome (see <see cref="ReservationCoordinator.HoldAsync"/>). Not under <c>api/</c>, so the gateway never routes
/// it; on Kubernetes access control lets only ordering call it.
/// </summary>
public static class ReservationsApi
{
    public static IEndpointRouteBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("internal/reservations/{orderId:guid}", HoldForOrder).ExcludeFromDescription();
        return app;
    }

    public static async Task<Ok<HoldAnswer>> HoldForOrder(Guid orderId, HoldRequest request, ReservationCoordinator coordinator, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Lines is not { Count: > 0 } lines || string.IsNullOrEmpty(request.UserId))
        {
            throw new InvalidRequestException("Invalid hold", "A hold names the buyer (userId) and at least one line.");
        }
        var order = new OrderSubmitted(Guid.Empty, time.GetUtcNow(), orderId, request.UserId, lines, request.Total, request.ExpiresAt);
        var record = await coordinator.HoldAsync(order, cancellationToken)
            ?? throw new RuleViolationException("Lines cannot be reserved", "Every line needs a product id and a quantity of at least 1.");
        return TypedResults.Ok(new HoldAnswer(orderId, record.Status, record.ExpiresAt, record.FailureReason, record.FailedProductId));
    }
}
