using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Fulfilment.Apis;

public sealed record ShipmentView(
    Guid OrderId,
    ShipmentStage Stage,
    string? TrackingNumber,
    DateTimeOffset PromisedBy,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? ReturnWindowEndsAt,
    bool CanReturn,
    string? ReturnReason,
    DateTimeOffset? PickupBy,
    string? Outcome,
    IReadOnlyList<ShipmentEvent> History)
{
    public static ShipmentView From(Shipment s, DateTimeOffset now) => new(
        s.OrderId, s.Stage, s.TrackingNumber, s.PromisedBy, s.DeliveredAt, s.ReturnWindowEndsAt,
        s.Stage == ShipmentStage.Delivered && now < s.ReturnWindowEndsAt, s.ReturnReason, s.PickupBy, s.Outcome, s.History);
}

/// <summary>The body of a return request, as ordering forwards it.</summary>
public sealed record ReturnRequestBody(string? Reason = null)
{
    public const int MaxReasonLength = 500;

    public string ValidReason() => string.IsNullOrWhiteSpace(Reason) || Reason.Length > MaxReasonLength || Reason.Any(c => char.IsControl(c) && c != '\n')
        ? throw new RequestValidationException("Invalid return request", new Dictionary<string, string[]> { ["reason"] = [$"Required: 1 to {MaxReasonLength} characters."] })
        : Reason.Trim();
}

/// <summary>
/// The customer's tracking view (<c>GET /api/fulfilment/shipments/{orderId}</c>, through the gateway), and the two
/// decisions ordering asks for on its customers' behalf (<c>/internal/…</c>: not routed by the gateway and, on
/// Kubernetes, allowed by access control to ordering alone). Ordering has checked that the caller owns the order; the
/// caller's identity rides along in the usual headers.
/// </summary>
public static class ShipmentsApi
{
    public static IEndpointRouteBuilder MapShipmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/fulfilment/shipments").WithTags("Shipments").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/{orderId:guid}", GetShipment).WithName("GetShipment").WithSummary("Where the caller's parcel is: stage, tracking number, history, return window")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var internalApi = app.MapGroup("internal/shipments").RequireAuthorization().ExcludeFromDescription();
        internalApi.MapPost("/{orderId:guid}/cancel", CancelShipment);
        internalApi.MapPost("/{orderId:guid}/return", RequestReturn);
        return app;
    }

    public static async Task<Ok<ShipmentView>> GetShipment(CallerIdentity caller, Guid orderId, ShipmentService shipments, CancellationToken cancellationToken)
    {
        var shipment = await shipments.GetAsync(orderId, cancellationToken);
        return shipment is not null && (shipment.UserId == caller.UserId || caller.IsAdmin)
            ? TypedResults.Ok(ShipmentView.From(shipment, shipments.Now))
            : throw new NotFoundException("Shipment not found", $"No parcel of order {orderId} for this user.");
    }

    public static async Task<Ok<ShipmentView>> CancelShipment(CallerIdentity caller, Guid orderId, ShipmentService shipments, CancellationToken cancellationToken)
    {
        await EnsureOwnerAsync(caller, orderId, shipments, allowMissing: true, cancellationToken);
        return TypedResults.Ok(ShipmentView.From(await shipments.CancelAsync(orderId, caller.UserId, cancellationToken), shipments.Now));
    }

    public static async Task<Accepted<ShipmentView>> RequestReturn(
        CallerIdentity caller, Guid orderId, ReturnRequestBody body, ShipmentService shipments, CancellationToken cancellationToken)
    {
        var reason = body.ValidReason();
        await EnsureOwnerAsync(caller, orderId, shipments, allowMissing: false, cancellationToken);
        var shipment = await shipments.RequestReturnAsync(orderId, reason, cancellationToken);
        return TypedResults.Accepted($"/api/fulfilment/shipments/{orderId}", ShipmentView.From(shipment, shipments.Now));
    }

    // Ordering checked ownership against the order; this guards the shipment against a mismatch all the same.
    private static async Task EnsureOwnerAsync(CallerIdentity caller, Guid orderId, ShipmentService shipments, bool allowMissing, CancellationToken cancellationToken)
    {
        var shipment = await shipments.GetAsync(orderId, cancellationToken);
        if ((shipment is null && !allowMissing) || (shipment is not null && shipment.UserId != caller.UserId))
        {
            throw new ShipmentConflictException(ShipmentConflictException.NotDelivered, "Order not delivered", $"Order {orderId} has not been shipped yet.");
        }
    }
}
